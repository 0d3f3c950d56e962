package dev.reel.server.jobs;

import java.util.Comparator;
import java.util.TreeSet;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded queue of jobs waiting for a worker: highest {@code priority} first, submission order
 * ({@code seq}) among equals. Bounded so that a flood of requests gets 429 at once instead of growing a backlog
 * no worker will reach.
 */
final class TaskPool {
    private static final Comparator<Job> ORDER = Comparator
            .comparingInt((Job j) -> -j.priority())
            .thenComparingLong(Job::seq);

    private final int capacity;
    private final TreeSet<Job> waiting = new TreeSet<>(ORDER);
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition nonEmpty = lock.newCondition();
    private boolean closed;

    TaskPool(int capacity) { this.capacity = capacity; }

    /** Adds {@code job} unless the queue is full (or closed); returns whether it was added. */
    boolean offer(Job job) {
        lock.lock();
        try {
            if (closed || waiting.size() >= capacity) return false;
            add(job);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Adds a job recovered from disk: it was accepted once, so the bound does not apply. */
    void restore(Job job) {
        lock.lock();
        try {
            add(job);
        } finally {
            lock.unlock();
        }
    }

    private void add(Job job) {
        waiting.add(job);
        nonEmpty.signal();
    }

    /** The next job, waiting for one; null once the pool is closed. */
    Job take() throws InterruptedException {
        lock.lock();
        try {
            while (waiting.isEmpty() && !closed) nonEmpty.await();
            return closed ? null : waiting.pollFirst();
        } finally {
            lock.unlock();
        }
    }

    /** Removes a waiting job; false if it is not waiting (a worker has it, or it never was). */
    boolean remove(Job job) {
        lock.lock();
        try {
            return waiting.remove(job);
        } finally {
            lock.unlock();
        }
    }

    /** How many waiting jobs a worker takes before {@code job} (0: it is next), or -1 if it is not waiting. */
    int position(Job job) {
        lock.lock();
        try {
            return waiting.contains(job) ? waiting.headSet(job).size() : -1;
        } finally {
            lock.unlock();
        }
    }

    /** Jobs waiting. */
    int size() {
        lock.lock();
        try {
            return waiting.size();
        } finally {
            lock.unlock();
        }
    }

    /** Stops handing out jobs; waiting ones stay (they are on disk as queued and run after a restart). */
    void close() {
        lock.lock();
        try {
            closed = true;
            nonEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
