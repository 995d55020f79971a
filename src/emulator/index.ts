// The Qlik Cloud tenant emulator: the endpoints of QLIK-API.md over node:http, with a control
// surface under /__emulator/ (see control.ts) and the choices the documents leave open
// (choices.ts). This file only re-exports; each part lives in its own module.
export { startEmulator, type EmulatorHandle, type InProcessApi } from './start.ts';
export { parseEmulatorArgs, parseRateLimitSpec, EMULATOR_FLAGS, EMULATOR_USAGE, DEFAULT_API_KEY, type EmulatorOptions } from './options.ts';
export { runEmulatorCommand } from './command.ts';
export { CHOICES, type Choice } from './choices.ts';
export { CONTROL_ENDPOINTS } from './control.ts';
export { ApiError } from './http/api-error.ts';
export { QLIK_RATE_LIMITS, type RateLimitSetting, type RateLimitConfig, type Tier } from './limits/rate-limit.ts';
export { FAULT_KINDS, type FaultKind, type FaultSettings, type FaultConfig } from './limits/faults.ts';
export type { StatsSnapshot } from './stats.ts';
export type { CloudEvent, MembershipLogEntry } from './model/events.ts';
export type { TenantState } from './model/state.ts';
export { DEFAULT_ROLES } from './model/default-roles.ts';
export { EVERYONE_ID, EVERYONE_NAME, MAX_GROUPS, MAX_GROUP_NAME } from './model/records.ts';
export type { DispatchResult } from './server.ts';
