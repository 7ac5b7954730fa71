import { ArrayMaxSize, IsOptional } from 'class-validator';
import { Field, ID } from 'type-graphql';
import { MAX_ATTACHMENTS_PER_RECORD } from './file.service';

/**
 * The input fields every editing mutation of a record that takes evidence files carries, written once:
 * `fileIds` (files to attach: the viewer's own uploads from `POST /files`, or files it already sees)
 * and `detachFileIds` (files to take off while the record is still editable).
 */
export function FileIdsField(description = '要附上的佐证文件（POST /files 上传后得到的文件编号；每条记录最多 50 个）'): PropertyDecorator {
  return (target, key) => {
    Field(() => [ID], { nullable: true, description })(target, key);
    IsOptional()(target, key);
    ArrayMaxSize(MAX_ATTACHMENTS_PER_RECORD)(target, key);
  };
}

export function DetachFileIdsField(description = '要取下的佐证文件（仅限记录仍可修改时；文件本身保留）'): PropertyDecorator {
  return (target, key) => {
    Field(() => [ID], { nullable: true, description })(target, key);
    IsOptional()(target, key);
    ArrayMaxSize(MAX_ATTACHMENTS_PER_RECORD)(target, key);
  };
}
