-- CreateTable
CREATE TABLE "job_workers" (
    "id" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeat_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "job_workers_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "job_workers_heartbeat_at_idx" ON "job_workers"("heartbeat_at");

-- CreateTable
CREATE TABLE "web_chat_messages" (
    "id" TEXT NOT NULL,
    "conversation_id" UUID NOT NULL,
    "author" TEXT NOT NULL,
    "in_reply_to" TEXT,
    "content" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "web_chat_messages_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "web_chat_messages_conversation_id_created_at_idx" ON "web_chat_messages"("conversation_id", "created_at");
