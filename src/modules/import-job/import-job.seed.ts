import { RequestContext } from '../../graphql/context';
import { ImportJobKind } from './import-job.entity';
import { importJobService } from './import-job.service';

/**
 * A bureau's first step (组织导入): the root admin's check of an org file (a dry run: it changes no org),
 * queued as a job; an instance with the worker runs it at start, so the demo shows a finished check.
 */
export async function seedImportJobDemo(ctx: RequestContext, demo: { slug: string }): Promise<void> {
  const rows =
    demo.slug === 'jtj'
      ? [['第三车队党支部', '党支部', '企业', '市公交集团党委']]
      : [['财务科党支部', '党支部', '机关', '市财政局机关党委']];
  const csv = ['组织名称,组织类型,单位类别,上级组织', ...rows.map((r) => r.join(','))].join('\n');
  await importJobService.create(ctx, {
    kind: ImportJobKind.ORGS,
    dryRun: true,
    fileName: '组织导入（试算）.csv',
    contentType: 'text/csv',
    content: Buffer.from(csv, 'utf8'),
  });
}
