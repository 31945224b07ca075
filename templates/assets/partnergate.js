// Progressive enhancement only: every page works without it. Copy buttons copy the text of their target.
document.addEventListener('click', (event) => {
  const button = event.target.closest('[data-copy-target]');
  if (!button) return;
  const target = document.getElementById(button.getAttribute('data-copy-target'));
  if (!target) return;
  const text = 'value' in target ? target.value : target.textContent;
  navigator.clipboard.writeText(text).then(
    () => { button.textContent = 'Copied'; setTimeout(() => { button.textContent = 'Copy'; }, 1500); },
    () => { if (target.select) target.select(); },
  );
});
