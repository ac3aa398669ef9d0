// The README's driver table is written from the driver definitions: a driver added, renamed or
// re-documented without `npm run docs` fails here.
import { describe, expect, it } from 'vitest';
import { DRIVER_TABLE_BEGIN, DRIVER_TABLE_END, driverTable, withDriverTable } from '../../src/docs/driver-table.js';
import { driverDefinitions } from '../../src/sensors/registry.js';

describe('README driver table', () => {
  it('has one row per registered driver', () => {
    const rows = driverTable().split('\n').slice(2);
    expect(rows.map((row) => /^\| `([^`]+)`/.exec(row)?.[1])).toEqual(driverDefinitions.map((driver) => driver.name));
  });

  it('notices a stale table', () => {
    const stale = `intro\n${DRIVER_TABLE_BEGIN}\n| driver | options (default) | values (units) | wiring notes |\n${DRIVER_TABLE_END}\n`;
    expect(withDriverTable(stale)).not.toBe(stale);
    expect(() => withDriverTable('no markers')).toThrow(/markers/);
  });
});
