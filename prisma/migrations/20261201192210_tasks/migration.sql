-- AlterTable
ALTER TABLE "Project" ADD COLUMN     "taskExportSecret" TEXT,
ADD COLUMN     "taskExportUrl" TEXT;

-- CreateTable
CREATE TABLE "Task" (
    "id" SERIAL NOT NULL,
    "projectId" INTEGER NOT NULL,
    "taskId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "stepType" TEXT NOT NULL DEFAULT 'EXTRACT',
    "uploadId" TEXT,
    "approved" BOOLEAN NOT NULL DEFAULT false,
    "meta" JSONB NOT NULL,
    "pages" JSONB NOT NULL,
    "exportedAt" TIMESTAMP(3),
    "exportFailedAt" TIMESTAMP(3),
    "lastOpenedAt" TIMESTAMP(3),
    "lockedAt" TIMESTAMP(3),
    "reportCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Task_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TaskReport" (
    "id" SERIAL NOT NULL,
    "taskPk" INTEGER NOT NULL,
    "projectId" INTEGER NOT NULL,
    "issues" JSONB NOT NULL,
    "message" TEXT,
    "actorKind" TEXT NOT NULL,
    "actorId" TEXT,
    "actorName" TEXT NOT NULL,
    "exportStatus" TEXT NOT NULL DEFAULT 'none',
    "exportedAt" TIMESTAMP(3),
    "exportError" TEXT,
    "promotedIssueId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TaskReport_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Task_projectId_status_id_idx" ON "Task"("projectId", "status", "id");

-- CreateIndex
CREATE INDEX "Task_projectId_reportCount_id_idx" ON "Task"("projectId", "reportCount", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Task_projectId_taskId_key" ON "Task"("projectId", "taskId");

-- CreateIndex
CREATE INDEX "TaskReport_taskPk_id_idx" ON "TaskReport"("taskPk", "id");

-- CreateIndex
CREATE INDEX "TaskReport_promotedIssueId_idx" ON "TaskReport"("promotedIssueId");

-- AddForeignKey
ALTER TABLE "Task" ADD CONSTRAINT "Task_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TaskReport" ADD CONSTRAINT "TaskReport_taskPk_fkey" FOREIGN KEY ("taskPk") REFERENCES "Task"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TaskReport" ADD CONSTRAINT "TaskReport_promotedIssueId_fkey" FOREIGN KEY ("promotedIssueId") REFERENCES "Issue"("id") ON DELETE SET NULL ON UPDATE CASCADE;
