"use client";

import { useId } from "react";
import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { conversationResultSchema, type ConversationResult } from "@/lib/kinds/conversation/result";

/** Colors from app/globals.css (recharts takes plain values, not CSS variables, for SVG). */
const COLOR = { line: "#2456d6", grid: "#eef1f5", zero: "#9aa6b5" };
const HEIGHT = 220;
const MARGIN = { top: 8, right: 8, bottom: 0, left: -8 };

const percent = (share: number) => `${Math.round(share * 100)} %`;
const signed = (n: number) => (n > 0 ? `+${n.toFixed(2)}` : n.toFixed(2));

/**
 * The finished conversation analysis, for ResultReport to show when the job's kind is
 * `conversation_analysis`: the summary, the tone of each part as a chart (with the same figures
 * as a table for screen readers), each speaker's share of the talk and style, key moments and
 * topics. A result that is not one (an older job's) is said so rather than drawn wrong.
 */
export function ConversationReport({ result }: { result: unknown }) {
  const parsed = conversationResultSchema.safeParse(result);
  if (!parsed.success) {
    return <p className="hint">This report cannot be shown: it is not a conversation analysis.</p>;
  }
  const r = parsed.data;
  return (
    <>
      <p className="lead">{r.summary}</p>
      <SentimentChart points={r.sentimentOverTime} />
      <Speakers speakers={r.speakers} />
      <h4>Key moments</h4>
      {r.keyMoments.length ? (
        <ol className="bullets">
          {r.keyMoments.map((m) => (
            <li key={m.turn}>
              <span className="hint">
                Turn {m.turn} · {m.speaker}:
              </span>{" "}
              {m.description}
            </li>
          ))}
        </ol>
      ) : (
        <p className="hint">None noted.</p>
      )}
      <h4>Topics</h4>
      {r.topics.length ? (
        <ul className="topics">
          {r.topics.map((t) => (
            <li key={t} className="chip">
              {t}
            </li>
          ))}
        </ul>
      ) : (
        <p className="hint">None noted.</p>
      )}
    </>
  );
}

type Point = ConversationResult["sentimentOverTime"][number];

const partName = (segment: number) => `Part ${segment}`;
const toneLabel = (tone: number, p: Point) => `${signed(tone)} (${p.label})`;
function partLabel(points: Point[], segment: number): string {
  const p = points.find((x) => x.segment === segment);
  return p ? `Part ${p.segment} (turns ${p.fromTurn}–${p.toTurn})` : partName(segment);
}

/**
 * A line per part, -1 (hostile) to 1 (warm). The drawing is one image with a name that says
 * what it shows; its figures are in the visually hidden table after it, which is what a screen
 * reader reads (the chart's own keyboard layer is off: an image has nothing to tab into).
 */
function SentimentChart({ points }: { points: Point[] }) {
  const id = useId();
  if (points.length === 0) return null;
  const tones = points.map((p) => p.sentiment);
  const name =
    `Line chart of the tone of each of ${points.length} parts of the conversation, from ` +
    `${signed(Math.min(...tones))} to ${signed(Math.max(...tones))} on a scale from -1 ` +
    "(hostile) to +1 (warm). The table after it lists each part.";
  return (
    <figure className="sentiment" aria-labelledby={`${id}-caption`}>
      <figcaption id={`${id}-caption`}>
        <h4>Tone over the conversation</h4>
        <span className="hint">Each point is one part: -1 hostile or upset, +1 warm.</span>
      </figcaption>
      <div role="img" aria-label={name}>
        <ResponsiveContainer width="100%" height={HEIGHT}>
          <LineChart data={points} accessibilityLayer={false} margin={MARGIN}>
            <CartesianGrid stroke={COLOR.grid} vertical={false} />
            <XAxis dataKey="segment" tickFormatter={partName} fontSize={12} minTickGap={16} />
            <YAxis domain={[-1, 1]} ticks={[-1, -0.5, 0, 0.5, 1]} fontSize={12} width={40} />
            <ReferenceLine y={0} stroke={COLOR.zero} />
            <Tooltip
              labelFormatter={(s) => partLabel(points, Number(s))}
              formatter={(v, _name, item) => [toneLabel(Number(v), item.payload as Point), "tone"]}
            />
            <Line
              dataKey="sentiment"
              stroke={COLOR.line}
              strokeWidth={2}
              dot={{ r: 3 }}
              isAnimationActive={false}
            />
          </LineChart>
        </ResponsiveContainer>
      </div>
      <table className="sr-only">
        <caption>Tone of each part of the conversation</caption>
        <thead>
          <tr>
            <th scope="col">Part</th>
            <th scope="col">Turns</th>
            <th scope="col">Tone (-1 to +1)</th>
            <th scope="col">In a word</th>
          </tr>
        </thead>
        <tbody>
          {points.map((p) => (
            <tr key={p.segment}>
              <th scope="row">Part {p.segment}</th>
              <td>
                {p.fromTurn}–{p.toTurn}
              </td>
              <td>{signed(p.sentiment)}</td>
              <td>{p.label}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

function Speakers({ speakers }: { speakers: ConversationResult["speakers"] }) {
  return (
    <>
      <h4>Speakers</h4>
      <table className="risks">
        <thead>
          <tr>
            <th scope="col">Speaker</th>
            <th scope="col">Share of the talk</th>
            <th scope="col">Turns</th>
            <th scope="col">Words</th>
            <th scope="col">Style</th>
          </tr>
        </thead>
        <tbody>
          {speakers.map((s) => (
            <tr key={s.name}>
              <th scope="row">{s.name}</th>
              <td>{percent(s.talkShare)}</td>
              <td>{s.turns.toLocaleString("en")}</td>
              <td>{s.words.toLocaleString("en")}</td>
              <td>{s.style}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
