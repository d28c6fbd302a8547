export {
  NS_DATA_FORMS, decodeDataForm, encodeDataForm, formTypeOf, findField, fieldValue, parseFormBoolean, formTypeField,
} from './data-form.ts';
export type {
  DataForm, DataFormType, DataField, DataFieldType, DataFieldOption, DataFormError, DataFormErrorCode,
} from './data-form.ts';
