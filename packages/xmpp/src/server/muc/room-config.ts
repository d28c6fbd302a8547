import type { Result } from '@plenum/kit';
import { ok, err } from '@plenum/kit';
import type { DataField, DataForm } from '../../codec/xep-0004-data-forms/index.ts';
import { formTypeField, formTypeOf, parseFormBoolean } from '../../codec/xep-0004-data-forms/index.ts';
import { FORM_MUC_ROOMCONFIG } from '../../codec/xep-0045-muc/index.ts';

/** Who may see occupants' real JIDs (XEP-0045 §16.5.3 muc#roomconfig_whois). */
export type Whois = 'moderators' | 'anyone';

/** A room's configuration (XEP-0045 §10.2). Rooms here are always temporary. */
export type RoomConfig = {
  readonly name: string;
  readonly description: string;
  readonly isPublic: boolean;
  readonly isModerated: boolean;
  readonly isMembersOnly: boolean;
  /** '' = no password. */
  readonly password: string;
  readonly whois: Whois;
  readonly maxUsers: number;
  readonly canOccupantsChangeSubject: boolean;
  readonly canMembersInvite: boolean;
};

/** True when entering needs a password. */
export const isPasswordProtected = (c: RoomConfig): boolean => c.password !== '';

/**
 * A new room's configuration. Rooms start hidden (privacy first: nothing is listed unless an owner
 * asks) and semi-anonymous as XEP-0045 recommends; Jitsi's focus switches whois to anyone.
 */
export const defaultRoomConfig = (maxUsersCap: number, whois: Whois = 'moderators'): RoomConfig => ({
  name: '', description: '', isPublic: false, isModerated: false, isMembersOnly: false, password: '',
  whois, maxUsers: maxUsersCap, canOccupantsChangeSubject: false, canMembersInvite: false,
});

const F = {
  name: 'muc#roomconfig_roomname',
  description: 'muc#roomconfig_roomdesc',
  persistent: 'muc#roomconfig_persistentroom',
  isPublic: 'muc#roomconfig_publicroom',
  isModerated: 'muc#roomconfig_moderatedroom',
  isMembersOnly: 'muc#roomconfig_membersonly',
  isPasswordProtected: 'muc#roomconfig_passwordprotectedroom',
  password: 'muc#roomconfig_roomsecret',
  whois: 'muc#roomconfig_whois',
  maxUsers: 'muc#roomconfig_maxusers',
  canOccupantsChangeSubject: 'muc#roomconfig_changesubject',
  canMembersInvite: 'muc#roomconfig_allowinvites',
} as const;

const BOOLEAN_KEYS = {
  [F.isPublic]: 'isPublic',
  [F.isModerated]: 'isModerated',
  [F.isMembersOnly]: 'isMembersOnly',
  [F.canOccupantsChangeSubject]: 'canOccupantsChangeSubject',
  [F.canMembersInvite]: 'canMembersInvite',
} as const;

const MAX_USERS_STEPS = [10, 20, 30, 50, 100, 200, 500, 1000, 5000];
const bool = (b: boolean): string => (b ? '1' : '0');

/** The owner's configuration form with current values (XEP-0045 §10.2, fields from §16.5.3). */
export function encodeRoomConfigForm(c: RoomConfig, maxUsersCap: number): DataForm {
  const steps = [...MAX_USERS_STEPS.filter((n) => n < maxUsersCap), maxUsersCap];
  if (!steps.includes(c.maxUsers)) steps.push(c.maxUsers);
  steps.sort((a, b) => a - b);
  const fields: DataField[] = [
    formTypeField(FORM_MUC_ROOMCONFIG),
    { var: F.name, type: 'text-single', label: 'Room name', values: [c.name] },
    { var: F.description, type: 'text-single', label: 'Room description', values: [c.description] },
    { var: F.persistent, type: 'boolean', label: 'Persistent (not supported: rooms end with the last occupant)', values: ['0'] },
    { var: F.isPublic, type: 'boolean', label: 'List the room in the directory', values: [bool(c.isPublic)] },
    { var: F.isModerated, type: 'boolean', label: 'Moderated (only participants with voice may talk)', values: [bool(c.isModerated)] },
    { var: F.isMembersOnly, type: 'boolean', label: 'Members only', values: [bool(c.isMembersOnly)] },
    { var: F.isPasswordProtected, type: 'boolean', label: 'Password required to enter', values: [bool(isPasswordProtected(c))] },
    { var: F.password, type: 'text-private', label: 'Password', values: [c.password] },
    {
      var: F.whois, type: 'list-single', label: 'Who may discover real JIDs', values: [c.whois],
      options: [{ label: 'Moderators only', value: 'moderators' }, { label: 'Anyone', value: 'anyone' }],
    },
    {
      var: F.maxUsers, type: 'list-single', label: 'Maximum number of occupants', values: [String(c.maxUsers)],
      options: steps.map((n) => ({ value: String(n) })),
    },
    { var: F.canOccupantsChangeSubject, type: 'boolean', label: 'Occupants may change the subject', values: [bool(c.canOccupantsChangeSubject)] },
    { var: F.canMembersInvite, type: 'boolean', label: 'Members may invite others', values: [bool(c.canMembersInvite)] },
  ];
  return { type: 'form', title: 'Room configuration', instructions: ['Rooms are temporary: they end when the last occupant leaves.'], fields };
}

/** What an accepted submission changed, for the §10.2.1 notifications. */
export type ConfigChange = { readonly config: RoomConfig; readonly changed: ReadonlySet<keyof RoomConfig> };

/**
 * Applies a submitted form (XEP-0045 §10.2). Absent fields keep their values, unknown fields are
 * ignored (clients submit other servers' extensions); a bad value refuses the whole form, and the
 * text says which field (§10.1.3: `not-acceptable`).
 */
export function applyRoomConfigForm(current: RoomConfig, form: DataForm, maxUsersCap: number): Result<ConfigChange, string> {
  const formType = formTypeOf(form);
  if (formType !== undefined && formType !== FORM_MUC_ROOMCONFIG) return err(`unexpected FORM_TYPE ${formType}`);
  const next: { -readonly [K in keyof RoomConfig]: RoomConfig[K] } = { ...current };
  let wantsPassword: boolean | undefined;
  for (const field of form.fields) {
    const value = field.values[0] ?? '';
    switch (field.var) {
      case F.name: next.name = value; break;
      case F.description: next.description = value; break;
      case F.password: next.password = value; break;
      case F.whois:
        if (value !== 'moderators' && value !== 'anyone') return err(`${F.whois} must be moderators or anyone`);
        next.whois = value;
        break;
      case F.maxUsers: {
        const max = parseMaxUsers(value, maxUsersCap);
        if (max === undefined) return err(`${F.maxUsers} must be a positive number`);
        next.maxUsers = max;
        break;
      }
      case F.persistent:
      case F.isPublic: case F.isModerated: case F.isMembersOnly: case F.isPasswordProtected:
      case F.canOccupantsChangeSubject: case F.canMembersInvite: {
        const b = parseFormBoolean(value);
        if (b === undefined) return err(`${field.var} must be a boolean`);
        if (field.var === F.persistent) {
          if (b) return err('persistent rooms are not supported');
        } else if (field.var === F.isPasswordProtected) {
          wantsPassword = b;
        } else {
          next[BOOLEAN_KEYS[field.var]] = b;
        }
        break;
      }
      default: break;
    }
  }
  // The secret decides; passwordprotectedroom=0 clears it, =1 without any secret is refused (§10.1.3).
  if (wantsPassword === false) next.password = '';
  if (wantsPassword === true && next.password === '') return err(`${F.isPasswordProtected} needs ${F.password}`);
  const changed = new Set<keyof RoomConfig>();
  for (const key of Object.keys(next) as (keyof RoomConfig)[]) if (next[key] !== current[key]) changed.add(key);
  return ok({ config: next, changed });
}

/** "none", "0" and "" mean the service limit; larger values are capped to it. */
function parseMaxUsers(value: string, cap: number): number | undefined {
  const v = value.trim();
  if (v === '' || v === 'none' || v === '0') return cap;
  if (!/^\d{1,9}$/.test(v)) return undefined;
  return Math.min(Number(v), cap);
}
