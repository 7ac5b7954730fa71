import { ErrorCode, defineErrors } from '../../graphql/errors';

/** 上级服务下级 refusals: each reason with its code and its message in Chinese and English. */
export const serviceRequestError = defineErrors('service-request', {
  SERVICE_REQUEST_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '服务请求不存在或不在您的权限范围内', en: 'Service request not found' },
  NO_SUPERIOR: { code: ErrorCode.BAD_USER_INPUT, zh: '根组织没有上级组织可以请求', en: 'The root org has no superior to ask' },
  NOT_REQUESTER: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有该组织的书记或其上级负责人可以代表它提出服务请求',
    en: 'Only the org’s secretary or an officer over it raises a request for it',
  },
  NOT_RESPONDER: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有被请求的上级组织的负责人可以答复',
    en: 'Only an officer of the superior org answers',
  },
  TOO_MANY_OPEN_REQUESTS: {
    code: ErrorCode.CONFLICT,
    zh: '{org}已有{open}个待办理的服务请求，达到上限{limit}个；请待上级答复后再提出',
    en: '{org} has {open} open service requests, the most it may have ({limit}); raise another once one is answered',
  },
  ALREADY_ANSWERED: { code: ErrorCode.CONFLICT, zh: '该服务请求已经答复', en: 'The request is already answered' },
});
