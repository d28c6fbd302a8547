import type { Result } from '@plenum/kit';
import { ok, err } from '@plenum/kit';
import type { El } from '../xml/element.ts';
import { el, children, text } from '../xml/element.ts';

// XEP-0004 (https://xmpp.org/extensions/xep-0004.html): data forms, as used by MUC room
// configuration (XEP-0045 §10) and service discovery extensions (XEP-0128).

/** The data forms namespace. */
export const NS_DATA_FORMS = 'jabber:x:data';

/** XEP-0004 §3.1 form types. */
export type DataFormType = 'form' | 'submit' | 'cancel' | 'result';

/** XEP-0004 §3.3 field types. */
export type DataFieldType =
  | 'boolean' | 'fixed' | 'hidden' | 'jid-multi' | 'jid-single' | 'list-multi' | 'list-single'
  | 'text-multi' | 'text-private' | 'text-single';

/** One `<option>` of a list field. */
export type DataFieldOption = { readonly value: string; readonly label?: string };

/** One `<field>`; `values` keeps document order. */
export type DataField = {
  readonly var?: string;
  readonly type?: DataFieldType;
  readonly label?: string;
  readonly values: readonly string[];
  readonly options?: readonly DataFieldOption[];
  readonly isRequired?: boolean;
};

/** A decoded `<x xmlns='jabber:x:data'>` (single-item forms; `<reported>`/`<item>` are ignored). */
export type DataForm = {
  readonly type: DataFormType;
  readonly title?: string;
  readonly instructions?: readonly string[];
  readonly fields: readonly DataField[];
};

/** Why a form was refused. */
export type DataFormErrorCode = 'data-form/not-a-form' | 'data-form/bad-type' | 'data-form/bad-field' | 'data-form/duplicate-field';
/** A decode failure with a stable code. */
export type DataFormError = { readonly code: DataFormErrorCode; readonly text: string };

const FORM_TYPES: ReadonlySet<string> = new Set<DataFormType>(['form', 'submit', 'cancel', 'result']);
const FIELD_TYPES: ReadonlySet<string> = new Set<DataFieldType>([
  'boolean', 'fixed', 'hidden', 'jid-multi', 'jid-single', 'list-multi', 'list-single',
  'text-multi', 'text-private', 'text-single',
]);

const fail = (code: DataFormErrorCode, description: string): { readonly ok: false; readonly error: DataFormError } =>
  err({ code, text: description });

/** Reads a data form; never throws. */
export function decodeDataForm(x: El): Result<DataForm, DataFormError> {
  if (x.name !== 'x' || x.attrs.xmlns !== NS_DATA_FORMS) return fail('data-form/not-a-form', `expected {${NS_DATA_FORMS}}x`);
  const type = x.attrs.type ?? '';
  if (!FORM_TYPES.has(type)) return fail('data-form/bad-type', `unknown form type "${type}"`);
  const fields: DataField[] = [];
  const seen = new Set<string>();
  for (const f of children(x, 'field')) {
    const decoded = decodeField(f);
    if (!decoded.ok) return decoded;
    const name = decoded.value.var;
    if (name !== undefined) {
      // XEP-0004 §3.2: a field's var MUST be unique within the form.
      if (seen.has(name)) return fail('data-form/duplicate-field', `field "${name}" appears twice`);
      seen.add(name);
    }
    fields.push(decoded.value);
  }
  const title = children(x, 'title')[0];
  const instructions = children(x, 'instructions').map((i) => text(i));
  return ok({
    type: type as DataFormType,
    ...(title !== undefined ? { title: text(title) } : {}),
    ...(instructions.length > 0 ? { instructions } : {}),
    fields,
  });
}

function decodeField(f: El): Result<DataField, DataFormError> {
  const type = f.attrs.type;
  if (type !== undefined && !FIELD_TYPES.has(type)) return fail('data-form/bad-field', `unknown field type "${type}"`);
  const name = f.attrs.var;
  // XEP-0004 §3.2: every field except "fixed" needs a var.
  if (name === undefined && type !== 'fixed') return fail('data-form/bad-field', 'field without var');
  const options = children(f, 'option').map((o): DataFieldOption => {
    const label = o.attrs.label;
    return { value: text(children(o, 'value')[0]), ...(label !== undefined ? { label } : {}) };
  });
  const label = f.attrs.label;
  return ok({
    ...(name !== undefined ? { var: name } : {}),
    ...(type !== undefined ? { type: type as DataFieldType } : {}),
    ...(label !== undefined ? { label } : {}),
    values: children(f, 'value').map((v) => text(v)),
    ...(options.length > 0 ? { options } : {}),
    ...(children(f, 'required').length > 0 ? { isRequired: true } : {}),
  });
}

/** Writes a data form. */
export function encodeDataForm(form: DataForm): El {
  return el('x', { xmlns: NS_DATA_FORMS, type: form.type },
    form.title !== undefined ? el('title', {}, form.title) : undefined,
    (form.instructions ?? []).map((i) => el('instructions', {}, i)),
    form.fields.map(encodeField));
}

function encodeField(f: DataField): El {
  return el('field', { var: f.var, type: f.type, label: f.label },
    f.isRequired === true ? el('required') : undefined,
    f.values.map((v) => el('value', {}, v)),
    (f.options ?? []).map((o) => el('option', { label: o.label }, el('value', {}, o.value))));
}

/** The FORM_TYPE hidden field's value (XEP-0068 §3), if any. */
export function formTypeOf(form: DataForm): string | undefined {
  return fieldValue(form, 'FORM_TYPE');
}

/** The field with this var. */
export function findField(form: DataForm, name: string): DataField | undefined {
  return form.fields.find((f) => f.var === name);
}

/** The first value of a field; undefined when the field is absent, '' when it has no value. */
export function fieldValue(form: DataForm, name: string): string | undefined {
  const f = findField(form, name);
  return f === undefined ? undefined : (f.values[0] ?? '');
}

/** XEP-0004 §3.3 boolean lexical forms ("0", "1", "false", "true"); undefined for anything else. */
export function parseFormBoolean(value: string): boolean | undefined {
  switch (value.trim()) {
    case '1': case 'true': return true;
    case '0': case 'false': return false;
    default: return undefined;
  }
}

/** Builds a hidden FORM_TYPE field (XEP-0068 §3). */
export const formTypeField = (formType: string): DataField => ({ var: 'FORM_TYPE', type: 'hidden', values: [formType] });
