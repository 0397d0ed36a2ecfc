-- AlterTable
ALTER TABLE "TestCase" ADD COLUMN     "labels" JSONB,
ADD COLUMN     "owner" TEXT,
ADD COLUMN     "quarantineReason" TEXT,
ADD COLUMN     "quarantineUntil" TIMESTAMP(3),
ADD COLUMN     "quarantinedAt" TIMESTAMP(3),
ADD COLUMN     "quarantinedBy" TEXT;

-- AlterTable
ALTER TABLE "TestRun" ADD COLUMN     "excludedFailures" INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE INDEX "TestCase_projectId_id_idx" ON "TestCase"("projectId", "id");

-- CreateIndex
CREATE INDEX "TestCase_projectId_quarantinedAt_idx" ON "TestCase"("projectId", "quarantinedAt");
