import type { AnalysisType, JobStatus, Params } from "@/lib/jobs/schema";

/** What the batch routes answer (shared by server and browser). */

/** The most listings one batch may hold. */
export const BATCH_MAX = 50;

export type BatchChild = {
  jobId: string;
  subject: string;
  status: JobStatus | "expired";
  progress: number;
  errorCode: string | null;
  cachedFrom: string | null;
  retries: number;
};

export type BatchView = {
  id: string;
  analysisType: AnalysisType;
  params: Params;
  createdAt: number;
  /** The share of children that must succeed for the batch to succeed (0–1). */
  minSuccess: number;
  cancelRequested: boolean;
  /** running until every child ended; then succeeded (≥ minSuccess of them did), failed or canceled. */
  status: "running" | "succeeded" | "failed" | "canceled";
  /** Mean progress of the children, 0–100. */
  progress: number;
  counts: Record<JobStatus | "expired", number>;
  children: BatchChild[];
};
