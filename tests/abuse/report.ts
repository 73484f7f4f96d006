import { reportTable, type Row } from "../helpers/report-table.ts";

/**
 * The abuse suite's cost report: what one attacker can make the app do per minute (jobs accepted,
 * tokens billed, Redis bytes written, guesses answered), printed at the end of `npm run test:abuse`
 * (this module is also the abuse project's globalSetup).
 */
const table = reportTable("abuse");
export const report = (section: string, row: Row) => table.report(section, row);
export default table.setup;
