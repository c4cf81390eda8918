#include "encoder_worker.h"

#include <chrono>
#include <cstdlib>

namespace nvenc {

EncoderWorker::EncoderWorker() : thread_([this] { run(); }) {}

EncoderWorker::~EncoderWorker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EncoderWorker::post(Job* job) {
  job->next_ = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (tail_)
      tail_->next_ = job;
    else
      head_ = job;
    tail_ = job;
    queued_.store(true, std::memory_order_release);
  }
  wake_.notify_one();
}

void EncoderWorker::waitIdle() {
  std::unique_lock<std::mutex> lock(mutex_);
  idle_.wait(lock, [this] { return head_ == nullptr && !busy_; });
}

// After a job, the worker spins briefly before it sleeps: an application encoding flat out
// sends the next frame within a few tens of microseconds of the last result, and a futex sleep
// and wake-up would add about as much to every frame's round trip. Bounded, so an idle encoder
// costs at most that long of one core per frame; off on hosts with fewer than 4 cores, where the
// spinning thread would take the JS thread's core. NVENC_WORKER_SPIN_US overrides (0 = off).
namespace {
std::chrono::microseconds spinTime() {
  static const std::chrono::microseconds spin = [] {
    if (const char* v = std::getenv("NVENC_WORKER_SPIN_US"))
      return std::chrono::microseconds(std::strtoul(v, nullptr, 10));
    return std::chrono::microseconds(std::thread::hardware_concurrency() >= 4 ? 50 : 0);
  }();
  return spin;
}
}  // namespace

void EncoderWorker::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (head_ == nullptr && !stopping_ && spinTime().count() > 0) {
      lock.unlock();
      const auto until = std::chrono::steady_clock::now() + spinTime();
      while (!queued_.load(std::memory_order_acquire) && std::chrono::steady_clock::now() < until)
        std::this_thread::yield();
      lock.lock();
    }
    wake_.wait(lock, [this] { return stopping_ || head_ != nullptr; });
    if (head_ == nullptr) break;  // stopping, nothing left
    Job* job = head_;
    head_ = job->next_;
    if (head_ == nullptr) tail_ = nullptr;
    queued_.store(head_ != nullptr, std::memory_order_release);
    busy_ = true;
    lock.unlock();
    job->run();
    lock.lock();
    busy_ = false;
    if (head_ == nullptr) idle_.notify_all();
  }
  idle_.notify_all();
}

}  // namespace nvenc
