-- CreateExtension
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- DropIndex
DROP INDEX "Issue_projectId_idx";

-- CreateIndex
CREATE INDEX "Defect_projectId_id_idx" ON "Defect"("projectId", "id");

-- CreateIndex
CREATE INDEX "Defect_issueId_id_idx" ON "Defect"("issueId", "id");

-- CreateIndex
CREATE INDEX "Issue_projectId_id_idx" ON "Issue"("projectId", "id");

-- CreateIndex
CREATE INDEX "Issue_projectId_status_id_idx" ON "Issue"("projectId", "status", "id");

-- CreateIndex
CREATE INDEX "Report_promotedIssueId_order_idx" ON "Report"("promotedIssueId", "order");

-- CreateIndex
CREATE INDEX "Task_projectId_id_idx" ON "Task"("projectId", "id");
