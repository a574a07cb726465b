/** The demo Notion workspace: a few visibly demo pages under one top-level page. */

export interface NotionPage {
  id: string;
  title: string;
  /** The parent page; null for a workspace-level page. */
  parentId: string | null;
  icon: string | null;
  createdTime: string;
  lastEditedTime: string;
  inTrash: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function seedNotion(now: number = Date.now()) {
  const at = (days: number) => new Date(now - days * DAY_MS).toISOString();
  const root: NotionPage = {
    id: crypto.randomUUID(),
    title: 'Gatehouse Demo Wiki (local mode)',
    parentId: null,
    icon: '📘',
    createdTime: at(120),
    lastEditedTime: at(1),
    inTrash: false,
  };
  const child = (title: string, days: number): NotionPage => ({
    id: crypto.randomUUID(),
    title,
    parentId: root.id,
    icon: null,
    createdTime: at(days + 10),
    lastEditedTime: at(days),
    inTrash: false,
  });
  const pages = [
    root,
    child('Demo: onboarding checklist', 3),
    child('Demo: SSO rollout plan for Acme Corp', 6),
    child('Demo: incident review — sign-in outage', 9),
    child('Demo: Q3 roadmap', 15),
  ];
  return {
    pages,
    bot: {
      id: crypto.randomUUID(),
      name: 'Gatehouse Demo Integration',
      workspace: 'Gatehouse Demo (local mode)',
    },
  };
}
