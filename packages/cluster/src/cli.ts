// The `plenum` operator command.
//   plenum status [--focus <url>] [--bridge <url>]… [--json]
//       bridges, conferences, SIP gateways and recorders from the focus's status endpoint (default http://127.0.0.1:8889,
//       or PLENUM_STATUS_FOCUS_URL) and optionally the bridges' /colibri/stats.
//   plenum cluster [--bridges N] [--port P] [--sip-port P]
//       the split topology as local processes (same as npm run cluster).
import { fetchStatus, renderStatus } from './status.ts';

const USAGE = 'usage: plenum status [--focus <url>] [--bridge <url>]... [--json]\n       plenum cluster [--bridges N] [--port P] [--sip-port P]\n';

function values(args: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) if (args[i] === name && args[i + 1] !== undefined) out.push(args[++i] as string);
  return out;
}

async function status(args: readonly string[]): Promise<number> {
  const focus = values(args, '--focus')[0] ?? process.env.PLENUM_STATUS_FOCUS_URL ?? 'http://127.0.0.1:8889';
  try {
    const s = await fetchStatus(focus, values(args, '--bridge'));
    process.stdout.write(args.includes('--json') ? `${JSON.stringify(s, null, 2)}\n` : renderStatus(s));
    return 0;
  } catch (error) {
    process.stderr.write(`plenum status: ${(error as Error).message} (is the focus running with http.enabled? --focus <url>)\n`);
    return 1;
  }
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'status') {
  process.exitCode = await status(rest);
} else if (command === 'cluster') {
  await import('./cluster-main.ts');
} else {
  process.stderr.write(USAGE);
  process.exitCode = command === undefined || command === '--help' ? 0 : 2;
}
