import { DomainModule } from '../domain-module';
import { Notice } from './notice.entity';
import { NoticeResolver } from './notice.resolver';
import { noticeService } from './notice.service';

export default {
  name: 'notice',
  resolvers: [NoticeResolver],
  entities: [Notice],
  nodes: { Notice: (ctx, id) => noticeService.find(ctx, id) },
} satisfies DomainModule;
