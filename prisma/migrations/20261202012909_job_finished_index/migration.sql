-- CreateExtension
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- CreateIndex
CREATE INDEX "Job_status_finishedAt_idx" ON "Job"("status", "finishedAt");
