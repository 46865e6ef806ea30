// What every composition root shares and nothing else: the version, the system clock, random ids.
import type { Clock, IdGenerator } from '../core/ports.js';

export const VERSION = '0.1.0';

export const systemClock: Clock = { now: () => new Date() };
export const randomIds: IdGenerator = { newId: () => crypto.randomUUID() };
