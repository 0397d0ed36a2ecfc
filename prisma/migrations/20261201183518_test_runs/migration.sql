-- CreateTable
CREATE TABLE "ServerSecret" (
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ServerSecret_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "TestRun" (
    "id" TEXT NOT NULL,
    "projectId" INTEGER NOT NULL,
    "externalRunId" TEXT NOT NULL,
    "branch" TEXT,
    "commit" TEXT,
    "status" TEXT NOT NULL DEFAULT 'closed',
    "framework" TEXT NOT NULL,
    "frameworkVersion" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3) NOT NULL,
    "durationMs" INTEGER,
    "passed" INTEGER NOT NULL,
    "failed" INTEGER NOT NULL,
    "skipped" INTEGER NOT NULL,
    "broken" INTEGER NOT NULL,
    "flaky" INTEGER NOT NULL DEFAULT 0,
    "newFailures" INTEGER NOT NULL,
    "fixed" INTEGER NOT NULL,
    "stillFailing" INTEGER NOT NULL,
    "previousRunId" TEXT,
    "meta" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TestRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TestCase" (
    "id" SERIAL NOT NULL,
    "projectId" INTEGER NOT NULL,
    "stableId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "fullName" TEXT NOT NULL,
    "filePath" TEXT,
    "suite" TEXT NOT NULL,
    "lastStatus" TEXT NOT NULL,
    "lastRunAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TestCase_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CaseRun" (
    "id" SERIAL NOT NULL,
    "runId" TEXT NOT NULL,
    "testCaseId" INTEGER NOT NULL,
    "projectId" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "muted" BOOLEAN NOT NULL DEFAULT false,
    "flaky" BOOLEAN NOT NULL DEFAULT false,
    "retries" INTEGER NOT NULL DEFAULT 0,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "durationMs" INTEGER NOT NULL,
    "suite" TEXT NOT NULL,
    "errorMessage" TEXT,
    "detail" JSONB NOT NULL,

    CONSTRAINT "CaseRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RunAttachment" (
    "id" SERIAL NOT NULL,
    "caseRunId" INTEGER NOT NULL,
    "projectId" INTEGER NOT NULL,
    "key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "mimeType" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,

    CONSTRAINT "RunAttachment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TestUpload" (
    "id" TEXT NOT NULL,
    "projectId" INTEGER NOT NULL,
    "externalRunId" TEXT NOT NULL,
    "manifest" JSONB NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TestUpload_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "TestRun_projectId_branch_startedAt_idx" ON "TestRun"("projectId", "branch", "startedAt");

-- CreateIndex
CREATE INDEX "TestRun_projectId_startedAt_idx" ON "TestRun"("projectId", "startedAt");

-- CreateIndex
CREATE UNIQUE INDEX "TestRun_projectId_externalRunId_key" ON "TestRun"("projectId", "externalRunId");

-- CreateIndex
CREATE UNIQUE INDEX "TestCase_projectId_stableId_key" ON "TestCase"("projectId", "stableId");

-- CreateIndex
CREATE INDEX "CaseRun_runId_status_id_idx" ON "CaseRun"("runId", "status", "id");

-- CreateIndex
CREATE INDEX "CaseRun_testCaseId_startedAt_idx" ON "CaseRun"("testCaseId", "startedAt");

-- CreateIndex
CREATE INDEX "CaseRun_projectId_status_startedAt_idx" ON "CaseRun"("projectId", "status", "startedAt");

-- CreateIndex
CREATE UNIQUE INDEX "CaseRun_runId_testCaseId_key" ON "CaseRun"("runId", "testCaseId");

-- CreateIndex
CREATE INDEX "RunAttachment_caseRunId_idx" ON "RunAttachment"("caseRunId");

-- CreateIndex
CREATE INDEX "RunAttachment_projectId_sha256_idx" ON "RunAttachment"("projectId", "sha256");

-- CreateIndex
CREATE INDEX "RunAttachment_sha256_idx" ON "RunAttachment"("sha256");

-- CreateIndex
CREATE INDEX "TestUpload_expiresAt_idx" ON "TestUpload"("expiresAt");

-- AddForeignKey
ALTER TABLE "TestRun" ADD CONSTRAINT "TestRun_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TestCase" ADD CONSTRAINT "TestCase_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseRun" ADD CONSTRAINT "CaseRun_runId_fkey" FOREIGN KEY ("runId") REFERENCES "TestRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseRun" ADD CONSTRAINT "CaseRun_testCaseId_fkey" FOREIGN KEY ("testCaseId") REFERENCES "TestCase"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunAttachment" ADD CONSTRAINT "RunAttachment_caseRunId_fkey" FOREIGN KEY ("caseRunId") REFERENCES "CaseRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TestUpload" ADD CONSTRAINT "TestUpload_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;
