-- CreateExtension
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- CreateIndex
CREATE INDEX "BugReport_status_severity_occurredAt_idx" ON "BugReport"("status", "severity", "occurredAt");

-- The planner assumes filters are independent and would scan the occurredAt index for a
-- combination that matches nothing (critical + in_progress): statistics on the filter columns'
-- combinations let it pick the index above. (Prisma's schema has no syntax for statistics.)
CREATE STATISTICS "BugReport_filter_stats" (mcv, dependencies) ON "status", "severity", "source", "workspaceId" FROM "BugReport";
