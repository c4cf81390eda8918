# For the GPU machine: what a pageable host frame costs to upload, per strategy, so the encoder's
# choice (cuMemcpy2D straight from the JS Buffer vs cuMemHostRegister in place) rests on numbers.
# 1920x1080 BGRA = 8,294,400 bytes. Needs CuPy.
import time
import numpy as np
import cupy as cp

n = 1920 * 1080 * 4
rt = cp.cuda.runtime
host = np.full(n, 1, dtype=np.uint8)
dev = cp.empty(n, dtype=cp.uint8)
pinned = cp.cuda.alloc_pinned_memory(n)
pinned_np = np.frombuffer(pinned, dtype=np.uint8, count=n)
pinned_np[:] = 1

def timeit(fn, reps=50):
    fn(); cp.cuda.Device().synchronize()
    t = time.perf_counter()
    for _ in range(reps):
        fn()
    cp.cuda.Device().synchronize()
    return (time.perf_counter() - t) / reps * 1e6

copy = lambda src: rt.memcpy(dev.data.ptr, src, n, rt.memcpyHostToDevice)
res = {}
res['pageable_copy_us'] = timeit(lambda: copy(host.ctypes.data))
res['pinned_copy_us'] = timeit(lambda: copy(pinned_np.ctypes.data))
def register_copy_unregister():
    rt.hostRegister(host.ctypes.data, n, 0)
    copy(host.ctypes.data)
    rt.hostUnregister(host.ctypes.data)
res['register_copy_unregister_us'] = timeit(register_copy_unregister, 20)
def register_only():
    rt.hostRegister(host.ctypes.data, n, 0)
    rt.hostUnregister(host.ctypes.data)
res['register_unregister_us'] = timeit(register_only, 20)
rt.hostRegister(host.ctypes.data, n, 0)
res['registered_copy_us'] = timeit(lambda: copy(host.ctypes.data))
rt.hostUnregister(host.ctypes.data)
print({k: round(v, 1) for k, v in res.items()})
