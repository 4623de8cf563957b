// The built-in presets by name.
import { bforeaiPreset } from './bforeai';
import { datarheiPreset } from './datarhei';
import { defaultPreset } from './default';
import { stormPreset } from './storm';
import { utmstackPreset } from './utmstack';
import type { Preset } from './types';

export const presets = {
  default: defaultPreset,
  utmstack: utmstackPreset,
  storm: stormPreset,
  bforeai: bforeaiPreset,
  datarhei: datarheiPreset,
} as const satisfies Record<string, Preset>;

export type PresetName = keyof typeof presets;
