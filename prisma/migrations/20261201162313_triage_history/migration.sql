-- CreateTable
CREATE TABLE "TriageEvent" (
    "id" SERIAL NOT NULL,
    "subjectType" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "fromValue" TEXT,
    "toValue" TEXT,
    "actorKind" TEXT NOT NULL,
    "actorId" TEXT,
    "actorName" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TriageEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "TriageEvent_subjectType_subjectId_id_idx" ON "TriageEvent"("subjectType", "subjectId", "id");
