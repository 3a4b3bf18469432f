// A bounded queue of byte buffers between one producer and one consumer coroutine on the same
// io_context thread. Bounded in bytes: push waits until its buffer fits, so a slow target slows
// the reader and memory stays flat. The buffer the consumer popped counts until it pops the next
// one (it is still being written till then), so queued plus in-use bytes stay within the capacity;
// a buffer larger than the capacity passes alone. Not thread-safe by design (one thread, no locks).
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <vector>

#include "engine/core/asio.hpp"

namespace pgshift {

// Wakes every coroutine waiting on it; waiters re-check their condition (no lost wake-ups on one
// thread, because state changes and notify() happen while the waiter is suspended).
class Notifier {
 public:
  explicit Notifier(asio::any_io_executor executor) : timer_(executor) {
    timer_.expires_at(asio::steady_timer::time_point::max());
  }
  Task<void> wait() {
    boost::system::error_code ignored;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  void notify() {
    timer_.cancel();
    timer_.expires_at(asio::steady_timer::time_point::max());
  }

 private:
  asio::steady_timer timer_;
};

class ByteQueue {
 public:
  using Buffer = std::vector<std::byte>;

  ByteQueue(asio::any_io_executor executor, std::size_t capacity_bytes)
      : capacity_(capacity_bytes), changed_(executor) {}

  // Returns false if the queue was closed (the consumer gave up); the buffer is dropped.
  Task<bool> push(Buffer buffer) {
    while (bytes_ > 0 && bytes_ + buffer.size() > capacity_ && !closed_) co_await changed_.wait();
    if (closed_) co_return false;
    bytes_ += buffer.size();
    items_.push_back(std::move(buffer));
    changed_.notify();
    co_return true;
  }
  // Returns nothing once the queue is closed and drained. Calling it says the consumer is done
  // with the buffer it popped before.
  Task<std::optional<Buffer>> pop() {
    if (in_use_ > 0) {
      bytes_ -= in_use_;
      in_use_ = 0;
      changed_.notify();
    }
    while (items_.empty() && !closed_) co_await changed_.wait();
    if (items_.empty()) co_return std::nullopt;
    Buffer buffer = std::move(items_.front());
    items_.pop_front();
    in_use_ = buffer.size();
    co_return buffer;
  }
  void close() {
    closed_ = true;
    changed_.notify();
  }
  std::size_t bytes() const { return bytes_; }

 private:
  std::size_t capacity_;
  std::size_t bytes_ = 0;   // queued, and in use by the consumer
  std::size_t in_use_ = 0;  // the consumer's last popped buffer
  bool closed_ = false;
  std::deque<Buffer> items_;
  Notifier changed_;
};

}  // namespace pgshift
