import { ErrorCode, defineErrors, mapConstraint } from '../../graphql/errors';

/** 服务品牌 refusals: each reason with its code and its message in Chinese and English. */
export const serviceBrandError = defineErrors('service-brand', {
  SERVICE_BRAND_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '服务品牌不存在或不在您的权限范围内', en: 'Service brand not found' },
  NOT_BRAND_OWNER: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有该组织的书记或其上级负责人可以创建和修改其服务品牌',
    en: 'Only the org’s secretary or an officer over it creates and edits its brands',
  },
  BRAND_NAME_TAKEN: { code: ErrorCode.CONFLICT, zh: '该组织已有同名的服务品牌', en: 'The org already has a brand of that name' },
  TOO_MANY_SERVICE_BRANDS: {
    code: ErrorCode.CONFLICT,
    zh: '{org}已有{count}个服务品牌，达到上限{limit}个；请删除不再使用的品牌后再创建',
    en: '{org} has {count} service brands, the most it may have ({limit}); remove one no longer used first',
  },
  BRAND_NAME_BLANK: { code: ErrorCode.BAD_USER_INPUT, zh: '品牌名称不能为空白', en: 'A brand name must not be blank' },
  BRAND_TOO_MANY_STANDARDS: { code: ErrorCode.BAD_USER_INPUT, zh: '服务标准最多{limit}条', en: 'At most {limit} standards' },
  BRAND_STANDARD_TITLE_INVALID: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '服务标准的标题须为1至{max}个字',
    en: 'A standard has a title of 1 to {max} characters',
  },
  BRAND_STANDARD_CONTENT_INVALID: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '服务标准的内容须为1至{max}个字',
    en: 'A standard has content of 1 to {max} characters',
  },
  BRAND_ASPECT_TEXT_MISSING: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '选择“其他”时须用文字写明标准所属的方面',
    en: 'An OTHER aspect is named in words',
  },
  BRAND_ASPECT_TEXT_TOO_LONG: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '标准所属的方面最多{max}个字',
    en: 'An aspect has at most {max} characters',
  },
});

// A concurrent create or rename that took the name first (UNIQUE (tenant_id, org_id, name)).
mapConstraint('service_brands_tenant_id_org_id_name_key', () => serviceBrandError('BRAND_NAME_TAKEN', 'input.name'));
