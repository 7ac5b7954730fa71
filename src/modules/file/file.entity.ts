import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { labelled } from '../../graphql/enum-labels';
import { Node } from '../../graphql/relay';
import { DateTimeScalar } from '../../graphql/scalars';

/** The formats accepted, as recognised from a file's bytes (never from its name or declared type). */
export enum FileFormat {
  JPEG = 'JPEG',
  PNG = 'PNG',
  GIF = 'GIF',
  WEBP = 'WEBP',
  PDF = 'PDF',
  DOCX = 'DOCX',
  XLSX = 'XLSX',
  PPTX = 'PPTX',
  DOC = 'DOC',
  XLS = 'XLS',
}
export const fileFormatLabels: Record<FileFormat, string> = {
  JPEG: 'JPEG 图片',
  PNG: 'PNG 图片',
  GIF: 'GIF 图片',
  WEBP: 'WebP 图片',
  PDF: 'PDF 文档',
  DOCX: 'Word 文档',
  XLSX: 'Excel 表格',
  PPTX: 'PowerPoint 演示文稿',
  DOC: 'Word 97-2003 文档',
  XLS: 'Excel 97-2003 表格',
};
/** The Content-Type a download is served with. */
export const fileContentTypes: Record<FileFormat, string> = {
  JPEG: 'image/jpeg',
  PNG: 'image/png',
  GIF: 'image/gif',
  WEBP: 'image/webp',
  PDF: 'application/pdf',
  DOCX: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  XLSX: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  PPTX: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  DOC: 'application/msword',
  XLS: 'application/vnd.ms-excel',
};
registerEnumType(FileFormat, {
  name: 'FileFormat',
  description: '文件格式：按文件内容（文件头与内部结构）识别，与文件名和上传时声明的类型无关',
  valuesConfig: labelled(fileFormatLabels),
});

/**
 * An uploaded file (`files`). Its bytes live in `file_contents` / `file_chunks`, shared by every upload
 * of the same content within the tenant; the service fills `size`, `format` and `sha256` from there.
 */
@Entity('files')
@ObjectType({
  implements: Node,
  description: '文件（佐证材料）：上传的照片、PDF 或 Office 文件；可见范围与其所附记录相同，未附到记录时仅上传人可见',
})
export class File {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'content_id' }) contentId: string;
  @Field({ description: '文件名（已去掉路径和控制字符，最长 200 字）' }) @Column() name: string;
  @Column('uuid', { name: 'uploaded_by' }) uploadedBy: string;
  @Field(() => DateTimeScalar, { description: '上传时间' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field(() => Int, { description: '文件大小（字节）' }) size: number;
  @Field(() => FileFormat, { description: '文件格式（按内容识别）' }) format: FileFormat;
  /** Hex of the content's SHA-256. */
  @Field({ description: '文件内容的 SHA-256 摘要（十六进制小写），可用于核对文件是否被改动' }) sha256: string;
}

@ObjectType({ description: '文件下载链接：几分钟内有效，仅限申请人本人使用，可直接用于 <a href>（无需 Authorization 请求头）' })
export class FileDownloadLink {
  @Field({ description: '下载地址（相对于 API 服务器的路径，含签名）' }) url: string;
  @Field(() => DateTimeScalar, { description: '失效时间' }) expiresAt: Date;
}
