import { reportTable } from "../helpers/report-table.ts";

export type { Row } from "../helpers/report-table.ts";

/** One table for the whole `npm run bench` (this module is also the bench project's globalSetup). */
const table = reportTable("bench");
export const report = table.report;
export default table.setup;
