import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RequestContext, requireUser } from '../../graphql/context';
import { decodeGlobalId, toGlobalId } from '../../graphql/relay';
import { userService } from '../user/user.service';
import { File, FileDownloadLink, fileContentTypes, fileFormatLabels } from './file.entity';
import { fileError } from './file.errors';
import { FileChanges, MAX_DISCARD_IDS, fileService } from './file.service';

/** A File's raw id; a malformed or another type's id is the same NOT_FOUND as an unknown one. */
export function fileIdOf(globalId: string, field = 'id'): string {
  const decoded = decodeGlobalId(globalId);
  if (!decoded || decoded.type !== 'File') throw fileError('FILE_NOT_FOUND', field);
  return decoded.id;
}

/** Raw File ids of an input list (undefined when the list was left out). */
export function fileIdsOf(ids: readonly string[] | null | undefined, field: string): string[] | undefined {
  return ids?.map((id) => fileIdOf(id, field));
}

/** An editing input's `fileIds` (attach) and `detachFileIds` (detach) as the service takes them. */
export function fileChangesOf(input: { fileIds?: string[] | null; detachFileIds?: string[] | null }, path = 'input'): FileChanges {
  return { attach: fileIdsOf(input.fileIds, `${path}.fileIds`), detach: fileIdsOf(input.detachFileIds, `${path}.detachFileIds`) };
}

@Resolver(() => File)
export class FileResolver {
  @Query(() => File, { description: '一个文件（须对您可见：所附记录您可查看，或是您上传且尚未附到记录的文件）' })
  async file(@Arg('id', () => ID, { description: '文件编号' }) id: string, @Ctx() ctx: RequestContext): Promise<File> {
    return fileService.getOrThrow(ctx, fileIdOf(id));
  }

  @Query(() => FileDownloadLink, {
    description: '文件的签名下载链接：几分钟内有效，仅限您本人使用；用于 <a href> 等无法携带 Authorization 请求头的下载',
  })
  async fileDownloadLink(
    @Arg('fileId', () => ID, { description: '文件编号' }) fileId: string,
    @Ctx() ctx: RequestContext,
  ): Promise<FileDownloadLink> {
    return fileService.downloadLink(ctx, fileIdOf(fileId, 'fileId'));
  }

  @Mutation(() => Int, {
    description: `删除您本人上传、尚未附到任何记录的文件（误传的文件，或为腾出每人暂存额度），返回删除的个数；一次最多 ${MAX_DISCARD_IDS} 个。已附到记录的文件请在记录中移除。未附到记录的文件保留一段时间后由系统自动清理`,
  })
  async discardFiles(@Arg('ids', () => [ID], { description: '文件编号' }) ids: string[], @Ctx() ctx: RequestContext): Promise<number> {
    requireUser(ctx);
    if (ids.length > MAX_DISCARD_IDS) throw fileError('TOO_MANY_FILE_IDS', { field: 'ids', params: { limit: MAX_DISCARD_IDS } });
    return fileService.discard(
      ctx,
      ids.map((id) => fileIdOf(id, 'ids')),
    );
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() f: File): string {
    return toGlobalId('File', f.id);
  }

  @FieldResolver(() => String, { description: '格式的中文名（如“PDF 文档”“Word 文档”）' })
  formatLabel(@Root() f: File): string {
    return fileFormatLabels[f.format];
  }

  @FieldResolver(() => String, { description: '下载时的 MIME 类型（按内容识别的格式决定）' })
  contentType(@Root() f: File): string {
    return fileContentTypes[f.format];
  }

  @FieldResolver(() => String, { nullable: true, description: '上传人姓名' })
  async uploadedByName(@Root() f: File, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, f.uploadedBy);
  }
}
