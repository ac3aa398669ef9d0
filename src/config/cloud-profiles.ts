// The rule set of each mqtt.profile (cloud-profile.ts has the shared pieces).
import type { Config } from './schema.js';
import { applyCloudProfile, type ProfileOutcome } from './cloud-profile.js';
import { awsIotCoreRules } from './cloud-aws.js';
import { azureIotHubRules } from './cloud-azure.js';

export function applyProfile(config: Config, raw: Record<string, unknown>): ProfileOutcome {
  return applyCloudProfile(config, raw, { 'aws-iot-core': awsIotCoreRules, 'azure-iot-hub': azureIotHubRules });
}
