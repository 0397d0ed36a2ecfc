// A person's recent actions (board page views, recorded activity): the last 30 minutes are
// attached to every bug report they file, so triage sees what led up to it.
import { z } from 'zod';
import type { Prisma } from '../../db/client.ts';
import { requireAccess } from '../../auth/permissions.ts';
import { Forbidden } from '../../errors.ts';
import { newId } from '../../ids.ts';
import type { Actor } from '../../services.ts';
import { maxChars, parseInput } from '../../validation.ts';

export const JOURNEY_WINDOW_MS = 30 * 60 * 1000;

export interface UserJourney {
  recentActions: Array<{ id: string; source: string; summary: string; timestamp: string }>;
  sessionStartedAt: string | null;
}

const activityInput = z.object({
  source: maxChars(50, z.string().trim().min(1)),
  summary: maxChars(500, z.string().trim().min(1)),
});

/** Records one action of the signed-in person. Tokens that are not personal have no journey. */
export async function recordActivity(actor: Actor, input: z.input<typeof activityInput>) {
  const { principal, services } = actor;
  if (principal.kind !== 'user' || !principal.token) throw new Forbidden('Only people have a user journey.');
  requireAccess(principal, 'write');
  const data = parseInput(activityInput, input);
  return services.prisma.userActivity.create({
    data: { id: newId('act'), userId: principal.user.id, source: data.source, summary: data.summary, occurredAt: services.clock.now() },
  });
}

export async function userJourneyOf(prisma: Prisma, userId: string, now: Date): Promise<UserJourney> {
  const actions = await prisma.userActivity.findMany({
    where: { userId, occurredAt: { gte: new Date(now.getTime() - JOURNEY_WINDOW_MS), lte: now } },
    orderBy: { occurredAt: 'asc' },
    take: 100,
  });
  return {
    recentActions: actions.map((a) => ({ id: a.id, source: a.source, summary: a.summary, timestamp: a.occurredAt.toISOString() })),
    sessionStartedAt: actions[0]?.occurredAt.toISOString() ?? null,
  };
}
