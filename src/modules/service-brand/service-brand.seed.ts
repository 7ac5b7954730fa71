import { RequestContext } from '../../graphql/context';
import { orgIdByName } from '../innovation/innovation.seed';
import { ServiceStandardAspect as A } from './service-brand.entity';
import { serviceBrandService } from './service-brand.service';

/** 二: 拓展延伸"彩虹坦途"、"情溢旅途"品牌 (standards written for the demo). */
export async function seedServiceBrandDemo(ctx: RequestContext, demo: { slug: string }): Promise<void> {
  if (demo.slug === 'jtj') {
    await serviceBrandService.create(ctx, {
      orgId: await orgIdByName(ctx, '市公路管理处党委'),
      name: '彩虹坦途',
      slogan: '让每一条路都畅通安全',
      description: '公路养护与路政服务品牌：党员带头养好路、管好路、服务好群众出行。',
      standards: [
        { title: '服务承诺公开', content: '公开养护路段、责任党员和服务电话，接到路况报告2小时内到场处置。', aspect: A.CONTENT_DEFINED },
        { title: '路政案件办理流程', content: '受理、勘验、处理、回访四步办结，一次性告知所需材料。', aspect: A.PROCESS_STANDARDIZED },
        { title: '党员责任路段', content: '每名党员认领一段责任路段，月度巡查、季度评比。', aspect: A.EXEMPLAR_DEMONSTRATED },
      ],
    });
    await serviceBrandService.create(ctx, {
      orgId: await orgIdByName(ctx, '市公交集团党委'),
      name: '情溢旅途',
      slogan: '温情服务每一程',
      description: '公交客运服务品牌：以党员学雷锋车队为骨干，开展助残、助老、助学爱心服务。',
      standards: [
        { title: '文明服务规范', content: '主动问候、报站清晰、平稳驾驶，老弱病残孕主动搀扶。', aspect: A.WORK_REGULATED },
        { title: '爱心车队服务', content: '党员爱心车队为困难群众提供预约出行服务，节假日开通绿色通道。', aspect: A.PROJECT_BRANDED },
      ],
    });
  } else if (demo.slug === 'szjg') {
    await serviceBrandService.create(ctx, {
      orgId: await orgIdByName(ctx, '市政务服务中心党总支'),
      name: '阳光政务',
      slogan: '办事不求人',
      description: '政务服务品牌（示例）。',
      standards: [
        { title: '一次性告知', content: '办事指南一次性告知全部材料和时限。', aspect: A.CONTENT_DEFINED },
        { title: '限时办结', content: '即办件当场办结，承诺件按承诺时限办结。', aspect: A.PROCESS_STANDARDIZED },
      ],
    });
  }
}
