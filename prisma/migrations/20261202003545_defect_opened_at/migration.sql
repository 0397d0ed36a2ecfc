-- CreateExtension
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- AlterTable: existing defects count as opened when first seen (reopen times were not kept);
-- filled before NOT NULL, so no row is lost.
ALTER TABLE "Defect" ADD COLUMN "openedAt" TIMESTAMP(3);
UPDATE "Defect" SET "openedAt" = "firstSeenAt";
ALTER TABLE "Defect" ALTER COLUMN "openedAt" SET NOT NULL;

-- CreateIndex
CREATE INDEX "TestCase_projectId_lastStatus_id_idx" ON "TestCase"("projectId", "lastStatus", "id");
