export type QuotaRefusal = 'person' | 'server';

export type QuotaSlot = { ok: true; release: () => void } | { ok: false; refused: QuotaRefusal };

/**
 * Slots held at once, per person and in all: a slot is taken before the thing it counts exists
 * (so concurrent requests cannot overshoot) and given back when that thing ends. A full quota
 * refuses the newcomer; it never makes room by ending what someone else holds.
 */
export class Quota {
  private readonly held = new Map<string, number>();
  private total = 0;

  constructor(
    readonly perPerson: number,
    readonly inAll: number,
  ) {}

  /** Slots `userId` holds now. */
  count(userId: string): number {
    return this.held.get(userId) ?? 0;
  }

  get size(): number {
    return this.total;
  }

  acquire(userId: string): QuotaSlot {
    const mine = this.count(userId);
    if (mine >= this.perPerson) return { ok: false, refused: 'person' };
    if (this.total >= this.inAll) return { ok: false, refused: 'server' };
    this.held.set(userId, mine + 1);
    this.total++;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        const left = this.count(userId) - 1;
        if (left > 0) this.held.set(userId, left);
        else this.held.delete(userId);
      },
    };
  }
}
