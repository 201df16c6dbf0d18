/**
 * The roles a deployment runs. Each starts on its own (one process per role, as many copies as
 * needed) or together in one process (the main job). Kept apart from roles.ts so the CLI's help
 * does not load every role's dependencies.
 */
export const ROLES = ['server', 'worker', 'relay', 'dispatcher', 'projector'] as const;
export type RoleName = (typeof ROLES)[number];
