-- AlterTable
ALTER TABLE "TestRun" ADD COLUMN     "flakyCheckedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "CaseBranchState" (
    "testCaseId" INTEGER NOT NULL,
    "projectId" INTEGER NOT NULL,
    "branch" TEXT NOT NULL,
    "window" JSONB NOT NULL,
    "flaky" BOOLEAN NOT NULL DEFAULT false,
    "flakyReason" TEXT,
    "firstFlaggedAt" TIMESTAMP(3),
    "lastFlipAt" TIMESTAMP(3),
    "flipRate" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "passStreak" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CaseBranchState_pkey" PRIMARY KEY ("testCaseId","branch")
);

-- CreateIndex
CREATE INDEX "CaseBranchState_projectId_flaky_idx" ON "CaseBranchState"("projectId", "flaky");

-- AddForeignKey
ALTER TABLE "CaseBranchState" ADD CONSTRAINT "CaseBranchState_testCaseId_fkey" FOREIGN KEY ("testCaseId") REFERENCES "TestCase"("id") ON DELETE CASCADE ON UPDATE CASCADE;
