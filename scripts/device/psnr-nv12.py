import math, subprocess, sys
src = open(sys.argv[1], 'rb').read()
W, H = 320, 240
F = W * H * 3 // 2
for f in sys.argv[2:]:
    dec = subprocess.run(['ffmpeg', '-v', 'error', '-i', f, '-f', 'rawvideo', '-pix_fmt', 'nv12', '-'], capture_output=True).stdout
    n = len(dec) // F
    se = 0
    for i in range(n):
        a = dec[i*F:(i+1)*F]; b = src[i*F:(i+1)*F]
        se += sum((x - y) ** 2 for x, y in zip(a, b))
    mse = se / (n * F)
    print(f, 'frames', n, 'PSNR(all planes) %.2f dB' % (10 * math.log10(255 * 255 / mse)))
