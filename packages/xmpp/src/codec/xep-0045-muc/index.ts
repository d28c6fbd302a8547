export {
  NS_MUC, NS_MUC_USER, NS_MUC_ADMIN, NS_MUC_OWNER, FORM_MUC_ROOMCONFIG, FORM_MUC_ROOMINFO,
  NS_MUC_STABLE_ID, NS_MUC_SELF_PING, MucStatus,
} from './namespaces.ts';
export type { MucStatusCode } from './namespaces.ts';
export {
  affiliationRank, roleRank, isMucAffiliation, isMucRole, decodeMucItem, encodeMucItem, mucDecodeError,
} from './item.ts';
export type { MucAffiliation, MucRole, MucActor, MucItem, MucDecodeError, MucDecodeErrorCode } from './item.ts';
export { decodeMucUserX, encodeMucUserX, decodeMucDestroy, encodeMucDestroy } from './muc-user.ts';
export type { MucUserX, MucDestroy, MucInvite, MucDecline } from './muc-user.ts';
export { decodeMucJoin, encodeMucJoin } from './join.ts';
export type { MucJoin, MucHistoryRequest } from './join.ts';
export { decodeMucAdminQuery, encodeMucAdminQuery, MAX_ADMIN_ITEMS } from './admin.ts';
