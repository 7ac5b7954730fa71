import { ErrorCode, defineErrors, mapConstraint } from '../../graphql/errors';

/** 结对联系 refusals: who registers, pairs and visits, and the pairing's dates. */
export const pairingError = defineErrors('pairing', {
  PERSON_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '结对联系对象不存在或不在您的权限范围内', en: 'Person not found' },
  PAIRING_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '结对关系不存在或不在您的权限范围内', en: 'Pairing not found' },
  CADRE_NOT_FOUND: { code: ErrorCode.NOT_FOUND, zh: '干部账号不存在或已停用', en: 'User not found' },
  NOT_CADRE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '只有领导小组成员、党组织书记和上级党委负责人参加结对联系',
    en: 'Only holders of LEADER, SECRETARY or SUPERVISOR roles are paired',
  },
  NOT_PAIRING_MANAGER: {
    code: ErrorCode.FORBIDDEN,
    zh: '只有结对干部本人或该对象所在组织的书记及上级负责人可以办理；为其他干部安排结对须是其所在组织的管理员或领导小组成员',
    en: 'Only the cadre or an officer over the person’s org acts for a pairing; pairing another cadre needs an admin or leader over that cadre’s org',
  },
  ALREADY_PAIRED: { code: ErrorCode.CONFLICT, zh: '该干部已与此对象结对', en: 'The cadre is already paired with this person' },
  PAIRING_ENDED: { code: ErrorCode.CONFLICT, zh: '该结对关系已结束', en: 'The pairing has ended' },
  TOO_MANY_PAIRING_PERSONS: {
    code: ErrorCode.CONFLICT,
    zh: '{org}已登记{count}名结对联系对象，达到上限{limit}名；请在已登记的对象中安排结对',
    en: '{org} has registered {count} people for pairing, the most it may register ({limit}); pair with someone already registered',
  },
  TOO_MANY_PAIRINGS: {
    code: ErrorCode.CONFLICT,
    zh: '{org}的结对联系对象{year}年已建立{count}个结对（含已结束的），达到上限{limit}个；请于下一年度再建立',
    en: 'The people of {org} have been paired {count} times in {year} (ended pairings included), the most in a year ({limit}); pair again next year',
  },
  TOO_MANY_PAIRING_VISITS: {
    code: ErrorCode.CONFLICT,
    zh: '该结对{year}年已登记{count}次走访，达到上限{limit}次；请将同一次走访合并登记，或于下一年度再登记',
    en: 'The pairing has {count} visits logged in {year}, the most in a year ({limit}); log one visit once, or log again next year',
  },
  INVALID_DATE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '日期不能晚于今天（{today}）',
    en: 'The date cannot be after today ({today})',
  },
  VISIT_BEFORE_PAIRING: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '走访日期不能早于结对开始日期（{startedOn}）',
    en: 'A visit falls within the pairing, which started on {startedOn}',
  },
  PERSON_NAME_BLANK: { code: ErrorCode.BAD_USER_INPUT, zh: '请填写结对联系对象的姓名', en: 'A name is needed' },
  DIFFICULTY_BLANK: { code: ErrorCode.BAD_USER_INPUT, zh: '请写明困难情况', en: 'Describe the difficulty' },
  VISIT_NOTE_BLANK: { code: ErrorCode.BAD_USER_INPUT, zh: '请写明走访情况', en: 'Say what the visit found' },
  IDLE_DAYS_RANGE: {
    code: ErrorCode.BAD_USER_INPUT,
    zh: '天数须在 {min} 到 {max} 之间',
    en: 'days is {min} to {max}',
  },
});

// a concurrent request paired them first (the check before the insert saw neither)
mapConstraint('pairings_active', () => pairingError('ALREADY_PAIRED'));
