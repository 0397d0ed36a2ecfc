-- CreateEnum
CREATE TYPE "BugReportSource" AS ENUM ('auto:server', 'auto:client', 'auto:agent', 'user:command');

-- CreateEnum
CREATE TYPE "BugSeverity" AS ENUM ('low', 'medium', 'high', 'critical');

-- CreateEnum
CREATE TYPE "BugStatus" AS ENUM ('open', 'triaged', 'in_progress', 'resolved', 'closed');

-- CreateTable
CREATE TABLE "BugReport" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT,
    "spaceId" TEXT,
    "reporterId" TEXT,
    "source" "BugReportSource" NOT NULL,
    "severity" "BugSeverity" NOT NULL DEFAULT 'medium',
    "status" "BugStatus" NOT NULL DEFAULT 'open',
    "title" TEXT NOT NULL,
    "description" TEXT,
    "errorMessage" TEXT,
    "errorStack" TEXT,
    "errorCode" TEXT,
    "dedupKey" TEXT,
    "userJourney" JSONB,
    "context" JSONB,
    "metadata" JSONB,
    "occurrenceCount" INTEGER NOT NULL DEFAULT 1,
    "occurredAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "resolvedAt" TIMESTAMP(3),
    "deletedAt" TIMESTAMP(3),
    "issueId" INTEGER,

    CONSTRAINT "BugReport_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "UserActivity" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "occurredAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "UserActivity_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "BugReport_dedupKey_occurredAt_idx" ON "BugReport"("dedupKey", "occurredAt");

-- CreateIndex
CREATE INDEX "BugReport_occurredAt_idx" ON "BugReport"("occurredAt");

-- CreateIndex
CREATE INDEX "UserActivity_userId_occurredAt_idx" ON "UserActivity"("userId", "occurredAt");

-- AddForeignKey
ALTER TABLE "BugReport" ADD CONSTRAINT "BugReport_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BugReport" ADD CONSTRAINT "BugReport_reporterId_fkey" FOREIGN KEY ("reporterId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BugReport" ADD CONSTRAINT "BugReport_issueId_fkey" FOREIGN KEY ("issueId") REFERENCES "Issue"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UserActivity" ADD CONSTRAINT "UserActivity_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
