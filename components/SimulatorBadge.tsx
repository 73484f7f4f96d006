/** Shown whenever OpenAI calls go to the local simulator, so nobody mistakes its output for a model's. */
export function SimulatorBadge() {
  return (
    <span
      className="badge badge-sim"
      role="status"
      title="OPENAI_BASE_URL points at the local OpenAI simulator (dev/openai): answers are generated, not written by a model."
    >
      local simulator
    </span>
  );
}
