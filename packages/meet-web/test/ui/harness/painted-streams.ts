// Video for fake remote participants: a canvas painted with a soft backdrop and a head-and-
// shoulders silhouette (or a slide, for a screen share), captured as a MediaStream.

export function paintedCamera(name: string, hue: number): MediaStream {
  // The name only seeds small differences, so each painted person looks a little different.
  const seed = [...name].reduce((a, c) => a + (c.codePointAt(0) ?? 0), 0);
  return paint(640, 360, (ctx, t) => {
    const g = ctx.createRadialGradient(320, 140, 40, 320, 180, 420);
    g.addColorStop(0, `hsl(${hue} 22% 34%)`);
    g.addColorStop(1, `hsl(${(hue + 30) % 360} 26% 13%)`);
    ctx.fillStyle = g;
    ctx.fillRect(0, 0, 640, 360);
    const sway = Math.sin(t / 900 + seed) * 5;
    ctx.fillStyle = `hsl(${(seed * 7) % 360} 28% 34%)`;
    ctx.beginPath();
    ctx.ellipse(320 + sway * 0.6, 380, 158, 130, 0, Math.PI, 0);
    ctx.fill();
    ctx.fillStyle = `hsl(${20 + (seed % 15)} 30% ${62 + (seed % 12)}%)`;
    ctx.fillRect(300 + sway * 0.8, 200, 40, 50);
    ctx.beginPath();
    ctx.ellipse(320 + sway, 160, 54, 64, 0, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillStyle = `hsl(${(seed * 13) % 50} 30% ${14 + (seed % 20)}%)`;
    ctx.beginPath();
    ctx.ellipse(320 + sway, 122, 58, 36, 0, Math.PI, 0);
    ctx.fill();
  });
}

export function paintedScreen(title: string): MediaStream {
  return paint(1280, 720, (ctx) => {
    ctx.fillStyle = '#f4f5f7';
    ctx.fillRect(0, 0, 1280, 720);
    ctx.fillStyle = '#1d2433';
    ctx.font = '700 54px system-ui, sans-serif';
    ctx.fillText(title, 90, 140);
    ctx.fillStyle = '#5a6272';
    ctx.font = '400 28px system-ui, sans-serif';
    ctx.fillText('Quarterly plan · what changed since last time', 90, 195);
    const bars = [220, 320, 270, 410, 480];
    bars.forEach((h, i) => {
      ctx.fillStyle = i === bars.length - 1 ? '#3461e6' : '#b9c3d8';
      ctx.fillRect(110 + i * 150, 620 - h, 96, h);
    });
    ctx.fillStyle = '#d5d9e2';
    ctx.fillRect(90, 622, 800, 3);
    ctx.fillStyle = '#1d2433';
    ctx.font = '600 30px system-ui, sans-serif';
    ctx.fillText('Next steps', 930, 300);
    ctx.fillStyle = '#5a6272';
    ctx.font = '400 24px system-ui, sans-serif';
    ['Ship the new lobby', 'Simulcast on by default', 'Phone layout polish'].forEach((line, i) => ctx.fillText(`• ${line}`, 930, 350 + i * 44));
  });
}

function paint(width: number, height: number, draw: (ctx: CanvasRenderingContext2D, t: number) => void): MediaStream {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('no 2d canvas');
  const frame = (): void => draw(ctx, performance.now());
  frame();
  // A timer, not requestAnimationFrame: frames must keep coming in a background tab.
  setInterval(frame, 100);
  return canvas.captureStream(10);
}
