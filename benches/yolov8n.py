#!/usr/bin/env python3
"""CPU throughput of Ultralytics YOLOv8n, for comparison with `cervai detector bench`.

The model is built from the architecture YAML shipped in the ultralytics
package (random init, 6 classes); no weights are loaded and nothing is
fetched: any attempt to open a non-loopback connection or resolve a host name
is refused and makes the run fail. Run it through scripts/bench-yolov8n.sh,
which sets up the pinned virtual environment.

Per batch size the timed work mirrors cervai's bench: build the input tensor
from 1-channel uint8 images (seeded), forward pass, then decoding (here
ultralytics' non_max_suppression). YOLOv8n takes 3 channels, so the gray
channel is replicated three times. A second "forward only" figure times the
bare forward pass on a prebuilt input tensor (no tensor creation, no NMS).
"""

import argparse
import json
import os
import platform
import socket
import sys
import time

# --- offline guard, installed before ultralytics is imported -----------------
os.environ.setdefault("YOLO_OFFLINE", "1")
NETWORK_ATTEMPTS = []


def _loopback(host):
    host = str(host)
    return host in ("localhost", "::1", "") or host.startswith("127.")


def _guard_address(address, family):
    if family == getattr(socket, "AF_UNIX", None):
        return
    host = address[0] if isinstance(address, tuple) and address else address
    if not _loopback(host):
        NETWORK_ATTEMPTS.append(f"connect {address!r}")
        raise OSError(f"cervai yolov8n bench: network access refused ({address!r})")


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _connect(self, address):
    _guard_address(address, self.family)
    return _real_connect(self, address)


def _connect_ex(self, address):
    _guard_address(address, self.family)
    return _real_connect_ex(self, address)


def _getaddrinfo(host, *args, **kwargs):
    if host is not None and not _loopback(host):
        NETWORK_ATTEMPTS.append(f"resolve {host!r}")
        raise socket.gaierror(f"cervai yolov8n bench: name resolution refused ({host!r})")
    return _real_getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _connect
socket.socket.connect_ex = _connect_ex
socket.getaddrinfo = _getaddrinfo
# -----------------------------------------------------------------------------

import numpy as np  # noqa: E402
import torch  # noqa: E402
import ultralytics  # noqa: E402
from ultralytics.nn.tasks import DetectionModel  # noqa: E402
from ultralytics.utils.torch_utils import get_flops, get_num_params  # noqa: E402

try:  # moved out of ops in 8.3.x
    from ultralytics.utils.nms import non_max_suppression  # noqa: E402
except ImportError:  # pragma: no cover - older ultralytics
    from ultralytics.utils.ops import non_max_suppression  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=2, help="torch intra-op threads (default 2)")
    p.add_argument("--batches", default="1,16", help="comma-separated batch sizes (default 1,16)")
    p.add_argument("--imgsz", type=int, default=224, help="square input side in pixels (default 224)")
    p.add_argument("--warmup", type=int, default=3, help="untimed iterations per batch size (default 3)")
    p.add_argument("--iters", type=int, default=50, help="timed iterations per batch size (default 50)")
    p.add_argument("--nc", type=int, default=6, help="number of classes (default 6)")
    p.add_argument("--conf", type=float, default=0.001, help="NMS confidence threshold (default 0.001)")
    p.add_argument("--iou", type=float, default=0.6, help="NMS IoU threshold (default 0.6)")
    p.add_argument("--max-det", type=int, default=100, help="NMS detections kept per image (default 100)")
    p.add_argument("--fuse", action="store_true", help="fuse Conv+BatchNorm first, as ultralytics' predictor does")
    p.add_argument("--seed", type=int, default=1, help="seed of the weights' init and the images (default 1)")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    args = p.parse_args()
    try:
        args.batches = [int(b) for b in args.batches.split(",") if b.strip()]
    except ValueError:
        p.error(f"--batches: expected comma-separated integers, got {args.batches!r}")
    if not args.batches or min(args.batches) < 1:
        p.error("--batches: need at least one batch size >= 1")
    if args.threads < 1 or args.iters < 1 or args.warmup < 0 or args.imgsz % 32:
        p.error("need --threads >= 1, --iters >= 1, --warmup >= 0 and --imgsz a multiple of 32")
    return args


def reset_peak_rss():
    """Resets the kernel's peak-RSS counter (Linux); ignored elsewhere."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_rss_mib():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def to_tensor(images):
    """uint8 HxW gray images -> float (B,3,H,W) in [0,1], gray replicated to 3 channels."""
    x = torch.from_numpy(np.stack(images)).unsqueeze(1).float().div_(255.0)
    return x.expand(-1, 3, -1, -1).contiguous()


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    model = DetectionModel("yolov8n.yaml", ch=3, nc=args.nc, verbose=False)
    model.eval()
    if args.fuse:
        model = model.fuse(verbose=False)
    params = get_num_params(model)
    gflops = get_flops(model, args.imgsz) or None

    print(
        f"torch {torch.__version__}  ultralytics {ultralytics.__version__}  "
        f"python {platform.python_version()}  threads {torch.get_num_threads()}"
    )
    print(
        f"YOLOv8n (yolov8n.yaml, random init, nc={args.nc}{', fused' if args.fuse else ''}): "
        f"parameters {params}  GFLOPs@{args.imgsz} "
        + (f"{gflops:.2f}" if gflops else "n/a")
    )
    print(
        f"input {args.imgsz}x{args.imgsz} uint8 gray, replicated to 3 channels (YOLOv8n has 3 input channels); "
        f"NMS conf {args.conf} iou {args.iou} max_det {args.max_det}; warmup {args.warmup}, iters {args.iters}"
    )

    def nms(pred):
        return non_max_suppression(pred, conf_thres=args.conf, iou_thres=args.iou, max_det=args.max_det)

    results = []
    with torch.inference_mode():
        for batch in args.batches:
            rng = np.random.default_rng(args.seed)
            images = [rng.integers(0, 256, (args.imgsz, args.imgsz), dtype=np.uint8) for _ in range(batch)]

            def run_once():
                return nms(model(to_tensor(images)))

            reset_peak_rss()
            for _ in range(args.warmup):
                run_once()
            start = time.perf_counter()
            for _ in range(args.iters):
                dets = run_once()
            secs = time.perf_counter() - start
            mem = peak_rss_mib()
            dets_per_image = sum(d.shape[0] for d in dets) / batch

            x = to_tensor(images)
            for _ in range(args.warmup):
                model(x)
            fstart = time.perf_counter()
            for _ in range(args.iters):
                model(x)
            fsecs = time.perf_counter() - fstart

            r = {
                "batch": batch,
                "images_per_second": batch * args.iters / secs,
                "ms_per_batch": 1000.0 * secs / args.iters,
                "peak_rss_mib": mem,
                "forward_only_images_per_second": batch * args.iters / fsecs,
                "forward_only_ms_per_batch": 1000.0 * fsecs / args.iters,
                "detections_per_image": dets_per_image,
            }
            results.append(r)
            mem_s = f"{mem:.0f} MiB" if mem is not None else "n/a"
            print(
                f"batch {batch:>3}  {r['images_per_second']:>8.1f} images/s  {r['ms_per_batch']:>8.2f} ms/batch  "
                f"peak RSS {mem_s}  (tensor + forward + NMS; {dets_per_image:.0f} dets/image)"
            )
            print(
                f"batch {batch:>3}  {r['forward_only_images_per_second']:>8.1f} images/s  "
                f"{r['forward_only_ms_per_batch']:>8.2f} ms/batch  forward only (prebuilt input, no NMS)"
            )

    print(f"network attempts: {len(NETWORK_ATTEMPTS)}")
    if args.json:
        out = {
            "model": "yolov8n",
            "weights": "random init",
            "torch": torch.__version__,
            "ultralytics": ultralytics.__version__,
            "python": platform.python_version(),
            "threads": torch.get_num_threads(),
            "nc": args.nc,
            "imgsz": args.imgsz,
            "input": "uint8 gray replicated to 3 channels",
            "fused": args.fuse,
            "parameters": params,
            "gflops": gflops,
            "nms": {"conf": args.conf, "iou": args.iou, "max_det": args.max_det},
            "warmup": args.warmup,
            "iters": args.iters,
            "results": results,
            "network_attempts": NETWORK_ATTEMPTS,
        }
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
            f.write("\n")
    if NETWORK_ATTEMPTS:
        print("error: the run tried to reach the network: " + "; ".join(NETWORK_ATTEMPTS), file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
