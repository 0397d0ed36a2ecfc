-- CreateExtension
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "result" TEXT,
ADD COLUMN     "singletonKey" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Job_singletonKey_key" ON "Job"("singletonKey");

-- Recurring jobs move onto the queue: each schedule's next run becomes its pending occurrence
-- (same due time, so a run missed while nobody was up still happens at the next start).
INSERT INTO "Job" ("kind", "payload", "runAt", "singletonKey", "result")
SELECT 'recurring:' || "name", '{}', "nextRunAt", 'recurring:' || "name", NULL FROM "ScheduledJob";

-- DropTable
DROP TABLE "ScheduledJob";
