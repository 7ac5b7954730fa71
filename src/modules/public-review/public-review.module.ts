import { DomainModule } from '../domain-module';
import { PublicReview } from './public-review.entity';
import { PublicReviewResolver, ReviewClusterResolver } from './public-review.resolver';
import { seedPublicReviews } from './public-review.seed';
import { publicReviewService } from './public-review.service';

export default {
  name: 'public-review',
  resolvers: [PublicReviewResolver, ReviewClusterResolver],
  entities: [PublicReview],
  nodes: { PublicReview: (ctx, id) => publicReviewService.find(ctx, id) },
  seedDemo: seedPublicReviews,
} satisfies DomainModule;
