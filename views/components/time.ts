// Times and durations as the console writes them (UTC, in words).

/** A UTC timestamp, to the second. */
export function when(ms: number | null): string {
  return ms === null ? '' : `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A duration in words, e.g. `4 min 59 s`. */
export function duration(seconds: number): string {
  if (seconds <= 0) return 'no time';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h ? `${h} h` : '', m ? `${m} min` : '', s || (!h && !m) ? `${s} s` : ''].filter(Boolean).join(' ');
}

/** When a pending request lapses, in words a human reads at a glance: `at 12:42 UTC (in about 15 minutes)`. */
export function lapses(expiresAt: number, secondsLeft: number): string {
  const at = `${new Date(expiresAt).toISOString().slice(11, 16)} UTC`;
  if (secondsLeft < 60) return `at ${at} (in less than a minute)`;
  const minutes = Math.round(secondsLeft / 60);
  if (minutes < 120) return `at ${at} (in about ${minutes} minute${minutes === 1 ? '' : 's'})`;
  return `at ${when(expiresAt)} (in about ${Math.round(minutes / 60)} hours)`;
}
