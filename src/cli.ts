#!/usr/bin/env node
// The command line: parses arguments, loads the config, runs the agent until SIGTERM/SIGINT.
// Exit codes: 0 clean stop, 78 (EX_CONFIG) bad config, 1 anything else.
import { loadConfigWithWarnings, maskSecrets } from './config/load.js';
import { ConfigError } from './config/errors.js';
import { createLogger } from './log.js';
import { startAgent } from './agent.js';
import { ClientIdError } from './mqtt/client-id.js';
import { calibrationLines } from './filters/describe.js';
import { version } from './version.js';
import { startSystemdIntegration } from './systemd/service.js';
import { commandProblem, parseCommandLine, UsageError } from './cli/args.js';
import { describeFailure, wantsStack } from './cli/failure.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_CONFIG = 78;

const DEFAULT_CONFIG = '/etc/sensor-agent/config.yaml';

const HELP = `sensor-agent ${version}: reads sensors, buffers every reading on disk, publishes to MQTT.

Usage:
  sensor-agent run [--config FILE]           run the agent until SIGTERM/SIGINT
  sensor-agent check-config [--config FILE]  validate the config, print it with secrets masked
  sensor-agent doctor [--config FILE]        check this device for what the config needs
  sensor-agent scan-i2c [--bus N] [--config FILE]
                                             list the chips answering on /dev/i2c-N (default 1);
                                             with --config, a bus it simulates is scanned on its map
  sensor-agent sign-config --key PRIVATE.pem [--version N] [--id ID] FILE
                                             print FILE as a signed remote config message for
                                             <topicPrefix>/config/set (version: default the Unix time)
  sensor-agent fleet --broker URL [--prefix PREFIX] [--wait DURATION] [--json]
                                             every device's health under PREFIX (default sensors),
                                             worst first; exit 0 all good, 2 some device is not
                                             (offline, unwell, needs attention), 1 broker unreachable
  sensor-agent --version
  sensor-agent --help

Options:
  -c, --config FILE   config file, YAML or JSON (default: $SENSOR_AGENT_CONFIG or ${DEFAULT_CONFIG})
      --bus N         scan-i2c: the bus to scan, N of /dev/i2c-N (default 1)
      --key FILE      sign-config: the ed25519 private key (PEM)
      --version N     sign-config: the config's version, higher than the last one applied
      --id ID         sign-config: the message id config/result answers with
      --broker URL    fleet: the broker, mqtt://user:password@host:1883 (mqtts://, ws://, wss://)
      --prefix PREFIX fleet: what comes before the device id in the topics (default sensors)
      --wait DURATION fleet: how long to collect the retained messages (default 2s)
      --json          fleet: the rows as JSON instead of a table

Environment:
  SENSOR_AGENT_CONFIG        config file when --config is not given
  SENSOR_AGENT_CODE_CACHE    folder for the V8 code cache that speeds up starts, or "off"
                             (default: $STATE_DIRECTORY/code-cache, else beside the program)
  SENSOR_AGENT_<KEY>__<KEY>  overrides one config key, e.g. SENSOR_AGENT_MQTT__URL=mqtt://broker:1883

Exit codes: 0 clean stop, 78 bad config, 1 any other failure (fleet: see above).
`;

function configPath(explicit: string | undefined): string {
  return explicit ?? process.env.SENSOR_AGENT_CONFIG ?? DEFAULT_CONFIG;
}

function printConfigError(error: ConfigError): void {
  for (const problem of error.problems) process.stderr.write(`${problem}\n`);
}

async function run(file: string): Promise<number> {
  const { config, warnings, source } = await loadConfigWithWarnings(file);
  const log = await createLogger(config.log.level);
  for (const warning of warnings) log.warn({ config: file }, `config: ${warning}`);
  // A bug must not leave a half-working daemon: log it once and exit 1 so systemd restarts us.
  // Nothing accepted is lost: the buffer is durable against exactly this.
  const fatal = (kind: string) => (error: unknown): void => {
    log.fatal({ err: error }, `${kind}; exiting`);
    log.flush();
    process.exit(EXIT_FAILURE);
  };
  process.on('uncaughtException', fatal('uncaught exception'));
  process.on('unhandledRejection', fatal('unhandled promise rejection'));
  log.info({ version, device: config.device.id, config: file }, 'sensor-agent starting');
  let agent;
  try {
    agent = await startAgent(config, log, { configSource: source });
  } catch (error) {
    // One line for a known start failure (buffer locked, status port in use): the exit code says the rest.
    log.flush();
    process.stderr.write(describeFailure(error, wantsStack(config.log.level)));
    return EXIT_FAILURE;
  }
  // Under systemd (Type=notify): READY=1 now, WATCHDOG=1 while healthy; null otherwise.
  const systemd = await startSystemdIntegration(agent, { sensorIntervalsMs: config.sensors.map((sensor) => sensor.interval), log: log.child({ part: 'systemd' }) });
  log.info({ sensors: config.sensors.length }, 'sensor-agent running');
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      log.info({ signal }, 'stopping');
      // A second signal while stopping means "now": the buffer is durable, nothing accepted is lost.
      process.once('SIGTERM', () => process.exit(EXIT_FAILURE));
      process.once('SIGINT', () => process.exit(EXIT_FAILURE));
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  await systemd?.stopping();
  await agent.stop();
  log.info('sensor-agent stopped');
  log.flush();
  return EXIT_OK;
}

async function checkConfig(file: string): Promise<number> {
  const { config, warnings } = await loadConfigWithWarnings(file);
  process.stdout.write(`${JSON.stringify(maskSecrets(config), null, 2)}\n`);
  for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
  const { mqtt } = config;
  if (mqtt.brokerProfile !== undefined) {
    const { profileWarnings } = await import('./mqtt/broker-profiles.js');
    const profile = profileWarnings(mqtt.brokerProfile, { ...mqtt, sensors: config.sensors });
    for (const warning of profile) process.stderr.write(`warning: ${warning}\n`);
  }
  for (const line of calibrationLines(config.sensors)) process.stderr.write(`${line}\n`);
  if (config.remote.config) {
    const { overrideLines } = await import('./cli/override-status.js');
    for (const line of await overrideLines(config.store.path)) process.stderr.write(`${line}\n`);
  }
  process.stderr.write(`${file}: ok\n`);
  return EXIT_OK;
}

async function doctor(file: string): Promise<number> {
  // Loaded on demand (as scan-i2c): `run` starts without parsing them or MQTT.js.
  const { formatResult, runDoctor, summarize } = await import('./cli/doctor.js');
  const { config, warnings } = await loadConfigWithWarnings(file);
  const results = await runDoctor(config, warnings);
  for (const result of results) process.stdout.write(`${formatResult(result)}\n`);
  process.stdout.write(`${summarize(config, results)}\n`);
  return results.some((result) => result.verdict === 'fail') ? EXIT_FAILURE : EXIT_OK;
}

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`sensor-agent: ${error.message}\n`);
    return EXIT_FAILURE;
  }
  if (args.version) {
    process.stdout.write(`${version}\n`);
    return EXIT_OK;
  }
  const { command } = args;
  if (args.help || command === 'help') {
    process.stdout.write(HELP);
    return EXIT_OK;
  }
  const problem = commandProblem(command);
  if (problem !== undefined) {
    process.stderr.write(`sensor-agent: ${problem}\n`);
    return EXIT_FAILURE;
  }
  try {
    switch (command) {
      case 'run':
        return await run(configPath(args.config));
      case 'check-config':
        return await checkConfig(configPath(args.config));
      case 'doctor':
        return await doctor(configPath(args.config));
      case 'sign-config':
        return await (await import('./cli/sign-config.js')).runSignConfig(args.sign ?? { key: undefined, version: undefined, id: undefined, file: undefined }, process.stdout, process.stderr);
      case 'fleet':
        return await (await import('./cli/fleet.js')).runFleet({ broker: args.broker, prefix: args.prefix, wait: args.wait, json: args.json }, process.stdout, process.stderr);
      case 'scan-i2c':
        return await (await import('./cli/scan-i2c.js')).runScanI2c({ bus: args.bus, configFile: args.config }, process.stdout, process.stderr);
      default:
        return EXIT_FAILURE;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      printConfigError(error);
      return EXIT_CONFIG;
    }
    if (error instanceof ClientIdError) {
      process.stderr.write(`sensor-agent: ${error.message}\n`);
      return EXIT_CONFIG;
    }
    process.stderr.write(describeFailure(error, false));
    return EXIT_FAILURE;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Let stdout drain, but never hang on a stray handle after a stop.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`sensor-agent: ${String(error)}\n`);
    process.exit(EXIT_FAILURE);
  },
);
