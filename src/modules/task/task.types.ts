import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { labelled } from '../../graphql/enum-labels';
import { DateScalar } from '../../graphql/scalars';

/**
 * What a task is about. The order of the values is the order of tasks that fall due on the same day.
 * A task is not stored: it is the pending state of a record (a missing submission, a draft, an open
 * rectification…) read for the viewer, and it disappears when the action is performed.
 */
export enum TaskKind {
  DEADLINE_SUBMISSION = 'DEADLINE_SUBMISSION',
  EVALUATION_FILL = 'EVALUATION_FILL',
  EVALUATION_RETURNED = 'EVALUATION_RETURNED',
  EVALUATION_REVIEW = 'EVALUATION_REVIEW',
  RECTIFICATION_REPORT = 'RECTIFICATION_REPORT',
  RECTIFICATION_VERIFY = 'RECTIFICATION_VERIFY',
  OPINION = 'OPINION',
  SERVICE_REQUEST = 'SERVICE_REQUEST',
  EXEMPLAR_OBJECTION = 'EXEMPLAR_OBJECTION',
  EXEMPLAR_NOTICE = 'EXEMPLAR_NOTICE',
  NOTICE_UNREAD = 'NOTICE_UNREAD',
  PAIRING_VISIT = 'PAIRING_VISIT',
  COMMITMENT = 'COMMITMENT',
}

export const TASK_KINDS = Object.values(TaskKind);

export const taskKindLabels: Record<TaskKind, string> = {
  DEADLINE_SUBMISSION: '报送材料',
  EVALUATION_FILL: '填报评议',
  EVALUATION_RETURNED: '评议退回修改',
  EVALUATION_REVIEW: '审核评议',
  RECTIFICATION_REPORT: '报告整改',
  RECTIFICATION_VERIFY: '整改销号',
  OPINION: '办理民意',
  SERVICE_REQUEST: '答复服务请求',
  EXEMPLAR_OBJECTION: '答复公示异议',
  EXEMPLAR_NOTICE: '公示期满命名',
  NOTICE_UNREAD: '阅知通报',
  PAIRING_VISIT: '结对走访',
  COMMITMENT: '践行承诺',
};

/** Days before its end from which a running 公示 becomes a task of the bureau (it names or rejects after the end). */
export const EXEMPLAR_NOTICE_DAYS = 7;
/** Days without a visit after which a cadre's own pairing becomes a task (走访). */
export const PAIRING_VISIT_DAYS = 30;

/** Who may act, and on what, for each kind: the enum values' descriptions a frontend developer reads. */
const kindDescriptions: Record<TaskKind, string> = {
  DEADLINE_SUBMISSION:
    '报送材料：创建活动节点（工作方案、自查总结等）本组织应报未报或被退回修改的材料；由该组织的书记（直属党委为其负责人）或管理员报送',
  EVALUATION_FILL: '填报评议：填报中的评议，由可填报者打分并提交（自查为本组织书记，上级评议、群众评议为上级组织负责人）',
  EVALUATION_RETURNED: '评议退回修改：被退回的评议，修改后重新提交（自查为本组织书记，其他为原提交人）',
  EVALUATION_REVIEW: '审核评议：已提交待审核的评议，由上级组织负责人通过或退回（不审核自己提交的评议）',
  RECTIFICATION_REPORT: '报告整改：待整改或重新整改的问题，由责任组织的书记或其上级负责人报告整改情况',
  RECTIFICATION_VERIFY: '整改销号：已报整改的问题，由发现问题的督导组成员销号或要求重新整改',
  OPINION: '办理民意：本人权限内待受理的民意（首问负责），以及本人负责、待答复的民意',
  SERVICE_REQUEST: '答复服务请求：下级组织向本组织提出、尚未答复的服务请求（上级服务下级）',
  EXEMPLAR_OBJECTION: '答复公示异议：公示期间群众提出、尚未答复的异议，由管理员或领导小组答复',
  EXEMPLAR_NOTICE: `公示期满命名：${EXEMPLAR_NOTICE_DAYS}天内结束（或已结束）的典型公示，期满后由管理员或领导小组命名或不予命名`,
  NOTICE_UNREAD: '阅知通报：已印发、收文组织尚未阅知的通报，每个收文组织一项；由该组织的书记或其上级负责人阅知',
  PAIRING_VISIT: `结对走访：本人结对联系对象已${PAIRING_VISIT_DAYS}天以上未走访`,
  COMMITMENT: '践行承诺：尚未践诺的承诺（组织承诺由书记或上级负责人报告，党员个人承诺由本人报告）',
};

registerEnumType(TaskKind, {
  name: 'TaskKind',
  description: '待办类别：当前用户须处理的事项种类',
  valuesConfig: Object.fromEntries(TASK_KINDS.map((k) => [k, { description: kindDescriptions[k] }])),
});

/** The action a task expects, named by the mutation that completes it. */
export enum TaskAction {
  SUBMIT = 'SUBMIT',
  RESUBMIT = 'RESUBMIT',
  FILL = 'FILL',
  REVIEW = 'REVIEW',
  REPORT_FIX = 'REPORT_FIX',
  VERIFY = 'VERIFY',
  ACCEPT = 'ACCEPT',
  ANSWER = 'ANSWER',
  NAME = 'NAME',
  READ = 'READ',
  VISIT = 'VISIT',
  FULFIL = 'FULFIL',
}

export const taskActionLabels: Record<TaskAction, string> = {
  SUBMIT: '报送',
  RESUBMIT: '修改后重新提交',
  FILL: '填报',
  REVIEW: '审核',
  REPORT_FIX: '报告整改',
  VERIFY: '销号',
  ACCEPT: '受理',
  ANSWER: '答复',
  NAME: '命名',
  READ: '阅知',
  VISIT: '走访',
  FULFIL: '践诺',
};

/** Each action with the mutations that perform it (the enum values' descriptions). */
const actionDescriptions: Record<TaskAction, string> = {
  SUBMIT: '报送（submitForDeadline）',
  RESUBMIT: '修改后重新提交（材料：submitForDeadline；评议：saveScores、submitEvaluation）',
  FILL: '填报：打分并提交（saveScores、submitEvaluation）',
  REVIEW: '审核：通过或退回（acceptEvaluation、returnEvaluation）',
  REPORT_FIX: '报告整改情况（submitRectification）',
  VERIFY: '销号或要求重新整改（verifyRectification）',
  ACCEPT: '受理，首问负责（acceptOpinion）',
  ANSWER: '答复（replyOpinion、answerServiceRequest、answerExemplarObjection）',
  NAME: '公示期满后命名或不予命名（nameExemplar、rejectExemplar）',
  READ: '阅知（markNoticeRead）',
  VISIT: '走访并登记（logPairingVisit）',
  FULFIL: '报告践诺情况（fulfilCommitment）',
};

registerEnumType(TaskAction, {
  name: 'TaskAction',
  description: '待办的操作：完成该待办所需的动作（括号内为对应的变更操作）',
  valuesConfig: labelled(actionDescriptions),
});

/** One pending action of the viewer (not a stored record: it leaves the list once done). */
@ObjectType({
  description:
    '待办：当前用户须处理的一件事（应报未报的材料、待审核的评议、待整改的问题等），办理后即从列表中消失；subject 为所涉对象，可用 node(id:) 读取',
})
export class Task {
  @Field(() => TaskKind, { description: '待办类别' }) kind: TaskKind;
  @Field(() => TaskAction, { description: '须执行的操作' }) action: TaskAction;
  @Field(() => DateScalar, { nullable: true, description: '办理期限（按本单位时区）；没有期限为空' }) dueOn: string | null;
  @Field({ description: '是否已过办理期限（民意、服务请求按办结时限的时刻判断）' }) overdue: boolean;

  /** The object the task concerns (its Node type and row id). */
  subjectType: string;
  subjectId: string;
  /** The org the task concerns, and its name when the statement read it. */
  orgId: string;
  orgName: string | null;
  /** The names a title is made of (a deadline's, a notice's title, a finding …) and a detail (a kind). */
  name: string;
  detail: string | null;
  /** Stable within its kind (the task's id). */
  key: string;
  /** Its place in the list: due day ('infinity' when none), kind, and the kind's own order. */
  cursor: string;
}

@ObjectType({ description: '待办数量：某一类别的待办数及其中已过期限的数目' })
export class TaskCount {
  @Field(() => TaskKind, { description: '待办类别' }) kind: TaskKind;
  @Field({ description: '待办类别的中文名' }) kindLabel: string;
  @Field(() => Int, { description: '待办数' }) count: number;
  @Field(() => Int, { description: '其中已过办理期限的数目' }) overdueCount: number;
}
