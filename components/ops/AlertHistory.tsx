import type { OpsOverview } from "@/lib/ops/types";
import { AlertBadge, Badge } from "./Badge";
import { deliveryLabel } from "./delivery-format";
import { formatTime } from "./format";
import { EmptyRow, TableScroll } from "./TableScroll";

/**
 * The latest alert transitions, newest first, and whether each reached ALERT_WEBHOOK_URL (as
 * QStash's callbacks reported it). From the overview answer: no request of its own.
 */
export function AlertHistory({
  history,
  webhook,
}: {
  history: OpsOverview["alertHistory"];
  webhook: OpsOverview["alertWebhook"];
}) {
  return (
    <section className="card" aria-labelledby="alert-history-heading">
      <h2 id="alert-history-heading">Alert history</h2>
      <p className="hint">
        {webhook.configured
          ? "Each transition is sent to ALERT_WEBHOOK_URL through QStash, retried until it is accepted."
          : "ALERT_WEBHOOK_URL is not set: transitions are kept here and logged, not sent."}
      </p>
      <TableScroll label="Alert history table">
        <table className="ops-table" data-testid="alert-history">
          <thead>
            <tr>
              <th>When</th>
              <th>Rule</th>
              <th>Change</th>
              <th>Value</th>
              <th>Webhook</th>
            </tr>
          </thead>
          <tbody>
            <EmptyRow when={history.length === 0} columns={5}>
              No alert has fired yet.
            </EmptyRow>
            {history.map((h) => {
              const delivery = deliveryLabel(h.delivery, webhook.configured);
              return (
                <tr
                  key={h.id ?? `${h.rule}-${h.state}-${h.at}`}
                  data-testid="alert-transition"
                  data-rule={h.rule}
                  data-state={h.state}
                  data-delivery={h.delivery?.state ?? (webhook.configured ? "none" : "off")}
                >
                  <td>{formatTime(h.at)}</td>
                  <td>{h.title}</td>
                  <td>
                    <AlertBadge state={h.state} />
                  </td>
                  <td>{h.value}</td>
                  <td data-testid="alert-delivery">
                    <Badge tone={delivery.tone}>{delivery.text}</Badge>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}
