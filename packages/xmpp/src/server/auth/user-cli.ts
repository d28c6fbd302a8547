// `plenum-xmpp user …`: manages local accounts the way `prosodyctl adduser/passwd/deluser` does.
// Run through bin/plenum-xmpp.mjs; this file is the CLI's composition root, so it alone reads
// the environment and talks to the terminal.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@plenum/kit/node';
import { loadXmppConfig } from '../config.ts';
import { FileUserStore, normaliseUsername } from './user-store.ts';

/** Exit statuses: success, a refused or failed operation, a usage mistake, an interrupted prompt. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** The process surface the CLI uses, injected so it can run inside tests or other tools. */
export type CliIo = {
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
};

const USAGE = `usage: plenum-xmpp user <command> [options]

commands:
  user add <username> [--password-stdin]     create a local account
  user passwd <username> [--password-stdin]  change an account's password
  user remove <username>                     delete an account
  user list                                  print every account, one per line

options:
  --users-file <path>  the accounts file (default: auth.usersFile from --config or
                       PLENUM_XMPP_AUTH_USERS_FILE, else .data/users.json)
  --config <path>      JSON configuration file to read auth.usersFile from
  --password-stdin     read the password as one line from standard input
  -h, --help           show this help

The password is prompted for without echo when standard input is a terminal, and read as
one line from standard input otherwise.
`;

const MAX_PASSWORD_LINE_BYTES = 4096;

type Args = { readonly positional: readonly string[]; readonly usersFile?: string; readonly config?: string; readonly isPasswordStdin: boolean; readonly isHelp: boolean };

function parseArgs(argv: readonly string[]): Args | string {
  const positional: string[] = [];
  let usersFile: string | undefined;
  let config: string | undefined;
  let isPasswordStdin = false;
  let isHelp = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (name) {
      case '--users-file':
        usersFile = value();
        if (usersFile === undefined || usersFile === '') return '--users-file needs a path';
        break;
      case '--config':
        config = value();
        if (config === undefined || config === '') return '--config needs a path';
        break;
      case '--password-stdin':
        isPasswordStdin = true;
        break;
      case '-h':
      case '--help':
        isHelp = true;
        break;
      case '--':
        positional.push(...argv.slice(i + 1));
        i = argv.length;
        break;
      default:
        if (arg.startsWith('-') && arg !== '-') return `unknown option ${arg}`;
        positional.push(arg);
    }
  }
  return { positional, isPasswordStdin, isHelp, ...(usersFile !== undefined ? { usersFile } : {}), ...(config !== undefined ? { config } : {}) };
}

/** Reads one line from a non-terminal stream (the rest is left unread). */
function readLine(stream: NodeJS.ReadStream): Promise<string | undefined> {
  return new Promise((done) => {
    let buffered = Buffer.alloc(0);
    const finish = (line: string | undefined) => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onEnd);
      stream.pause();
      done(line);
    };
    const onData = (chunk: Buffer | string) => {
      buffered = Buffer.concat([buffered, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
      const newline = buffered.indexOf(0x0a);
      if (newline !== -1) finish(buffered.subarray(0, newline).toString('utf8').replace(/\r$/, ''));
      else if (buffered.length > MAX_PASSWORD_LINE_BYTES) finish(undefined);
    };
    const onEnd = () => finish(buffered.length > 0 ? buffered.toString('utf8').replace(/\r$/, '') : undefined);
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onEnd);
    stream.resume();
  });
}

/** Prompts on a terminal without echoing what is typed; undefined when interrupted (Ctrl-C or Ctrl-D). */
function promptHidden(prompt: string, stdin: NodeJS.ReadStream, stderr: NodeJS.WritableStream): Promise<string | undefined> {
  return new Promise((done) => {
    stderr.write(prompt);
    let typed = '';
    const wasRaw = stdin.isRaw;
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    const finish = (line: string | undefined) => {
      stdin.off('data', onData);
      stdin.setRawMode(wasRaw);
      stdin.pause();
      stderr.write('\n');
      done(line);
    };
    const onData = (chunk: string) => {
      const chars = [...chunk];
      for (let i = 0; i < chars.length; i++) {
        const ch = chars[i] as string;
        if (ch === '\r' || ch === '\n') {
          // Typed-ahead input (the retyped password) belongs to the next prompt.
          const rest = chars.slice(i + (ch === '\r' && chars[i + 1] === '\n' ? 2 : 1)).join('');
          if (rest !== '') stdin.unshift(rest);
          return finish(typed);
        }
        if (ch === '\u0003' || ch === '\u0004') return finish(undefined); // Ctrl-C, Ctrl-D
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else if (ch === '\u0015') typed = ''; // Ctrl-U clears the line, as a terminal would
        else if (ch >= ' ') typed += ch;
      }
      return undefined;
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}

type PasswordRead = { readonly password: string } | { readonly exit: number; readonly message: string };

async function readPassword(args: Args, io: CliIo): Promise<PasswordRead> {
  if (io.stdin.isTTY && !args.isPasswordStdin) {
    const first = await promptHidden('Enter new password: ', io.stdin, io.stderr);
    if (first === undefined) return { exit: EXIT.interrupted, message: 'interrupted' };
    const second = await promptHidden('Retype new password: ', io.stdin, io.stderr);
    if (second === undefined) return { exit: EXIT.interrupted, message: 'interrupted' };
    if (first !== second) return { exit: EXIT.failed, message: 'the passwords do not match' };
    return { password: first };
  }
  const line = await readLine(io.stdin);
  if (line === undefined) return { exit: EXIT.failed, message: 'no password on standard input (expected one line)' };
  return { password: line };
}

function usersFilePath(args: Args, io: CliIo): string | { readonly message: string } {
  if (args.usersFile !== undefined) return resolve(io.cwd, args.usersFile);
  try {
    const config = loadXmppConfig({ env: io.env, ...(args.config !== undefined ? { file: resolve(io.cwd, args.config) } : {}) });
    return resolve(io.cwd, config.auth.usersFile);
  } catch (error) {
    // loadXmppConfig reports every configuration problem at once by throwing a ConfigError.
    if (error instanceof ConfigError) return { message: error.message };
    throw error;
  }
}

/** Runs `plenum-xmpp <argv…>` and resolves with the exit status. */
export async function runUserCli(argv: readonly string[], io: CliIo): Promise<number> {
  const say = (text: string) => io.stdout.write(`${text}\n`);
  const complain = (text: string, status: number) => {
    io.stderr.write(`plenum-xmpp: ${text}\n`);
    return status;
  };
  const args = parseArgs(argv);
  if (typeof args === 'string') return complain(`${args}\n\n${USAGE}`, EXIT.usage);
  if (args.isHelp) {
    io.stdout.write(USAGE);
    return EXIT.ok;
  }
  const [group, command, username] = args.positional;
  if (group !== 'user' || command === undefined) return complain(`expected a command\n\n${USAGE}`, EXIT.usage);
  const needsName = command === 'add' || command === 'passwd' || command === 'remove';
  if (!needsName && command !== 'list') return complain(`unknown command "user ${command}"\n\n${USAGE}`, EXIT.usage);
  if (needsName && username === undefined) return complain(`user ${command} needs a username`, EXIT.usage);
  if (args.positional.length > (needsName ? 3 : 2)) return complain('too many arguments', EXIT.usage);

  const path = usersFilePath(args, io);
  if (typeof path !== 'string') return complain(path.message, EXIT.failed);
  const store = await FileUserStore.open(path);
  if (!store.ok) return complain(`${path}: ${store.error.text}`, EXIT.failed);
  const users = store.value;

  if (command === 'list') {
    for (const name of users.list()) say(name);
    return EXIT.ok;
  }
  // Check the name first, so nobody types a password twice for a request that cannot work.
  const name = normaliseUsername(username as string);
  if (!name.ok) return complain(name.error.text, EXIT.failed);
  const exists = users.get(name.value) !== undefined;
  switch (command) {
    case 'remove': {
      const removed = await users.remove(name.value);
      if (!removed.ok) return complain(removed.error.text, EXIT.failed);
      if (!removed.value) return complain(`no such user: ${name.value}`, EXIT.failed);
      say(`removed ${name.value}`);
      return EXIT.ok;
    }
    case 'add':
      if (exists) return complain(`that user already exists: ${name.value}`, EXIT.failed);
      break;
    default:
      if (!exists) return complain(`no such user: ${name.value}`, EXIT.failed);
  }
  const read = await readPassword(args, io);
  if ('exit' in read) return complain(read.message, read.exit);
  const changed = command === 'add' ? await users.add(name.value, read.password) : await users.setPassword(name.value, read.password);
  if (!changed.ok) return complain(changed.error.text, EXIT.failed);
  say(command === 'add' ? `added ${name.value}` : `changed the password of ${name.value}`);
  return EXIT.ok;
}

// Run when started as a program (bin/plenum-xmpp.mjs), not when imported.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const status = await runUserCli(process.argv.slice(2), {
    stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(),
  });
  process.exitCode = status;
}
