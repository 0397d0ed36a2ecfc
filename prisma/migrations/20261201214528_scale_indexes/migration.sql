-- CreateExtension
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- DropIndex
DROP INDEX "Report_projectId_order_idx";

-- CreateIndex
CREATE INDEX "BugReport_workspaceId_occurredAt_idx" ON "BugReport"("workspaceId", "occurredAt");

-- CreateIndex
CREATE INDEX "BugReport_status_occurredAt_idx" ON "BugReport"("status", "occurredAt");

-- CreateIndex
CREATE INDEX "BugReport_severity_occurredAt_idx" ON "BugReport"("severity", "occurredAt");

-- CreateIndex
CREATE INDEX "BugReport_source_occurredAt_idx" ON "BugReport"("source", "occurredAt");

-- CreateIndex
CREATE INDEX "ErrorGroup_exceptionClass_idx" ON "ErrorGroup" USING GIN ("exceptionClass" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "ErrorGroup_message_idx" ON "ErrorGroup" USING GIN ("message" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "Report_projectId_order_id_idx" ON "Report"("projectId", "order", "id");
