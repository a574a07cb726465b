/** The demo Slack workspace: a few channels with visibly demo messages. */
import { ADA } from './accounts.ts';

export interface SlackChannel {
  id: string;
  name: string;
  topic: string;
  purpose: string;
  archived: boolean;
  created: number;
  /** Oldest first. */
  messages: { user: string; text: string; ts: string }[];
}

export interface SlackWorkspace {
  id: string;
  name: string;
  domain: string;
  users: { id: string; name: string; account: string }[];
  channels: SlackChannel[];
}

/** A Slack message timestamp (`seconds.micros`), unique per channel position. */
export const slackTs = (ms: number, n: number): string =>
  `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1000 + n).padStart(6, '0')}`;

export function seedSlack(now: number = Date.now()): SlackWorkspace {
  const ada = { id: 'U0DEMOADA1', name: ADA.slack, account: ADA.slack };
  const minutesAgo = (m: number) => now - m * 60_000;
  const channel = (
    id: string,
    name: string,
    purpose: string,
    texts: string[],
    archived = false,
  ): SlackChannel => ({
    id,
    name,
    topic: `${purpose} (demo)`,
    purpose,
    archived,
    created: Math.floor(minutesAgo(60 * 24 * 200) / 1000),
    messages: texts.map((text, i) => ({
      user: ada.id,
      text,
      ts: slackTs(minutesAgo(60 * (texts.length - i)), i),
    })),
  });
  return {
    id: 'T0GATEDEMO',
    name: 'Gatehouse Demo (local mode)',
    domain: 'gatehouse-demo',
    users: [ada],
    channels: [
      channel('C0DEMOGEN1', 'general', 'Company-wide announcements of the demo workspace', [
        'Demo: welcome to the Gatehouse demo workspace — nothing here is real.',
        'Demo: the staging SSO certificate is rotated on Friday.',
      ]),
      channel('C0DEMOENG1', 'demo-engineering', 'Demo engineering chatter', [
        'Demo: deploy of demo-api 1.4.2 finished.',
        'Demo: who owns the flaky consent-screen test?',
      ]),
      channel('C0DEMOINC1', 'demo-incidents', 'Demo incident coordination', [
        'Demo: sign-in outage resolved.',
      ]),
      channel('C0DEMOOLD1', 'demo-archived', 'An archived demo channel', ['Demo: old news.'], true),
    ],
  };
}
