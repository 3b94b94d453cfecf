() => {
  // What a person would see cut or spilling on the screen (test_screenshots.py): an element
  // sticking out past the right edge of the window (outside the regions that scroll sideways on
  // purpose), a label wider or taller than its button, badge, tab or link, a placeholder cut
  // without an ellipsis, the choice shown by a list cut in its box. Evaluated by Playwright: one
  // function expression, returning up to 8 problems.
  const ARROW = 20;  // what a list's arrow takes of its width
  const width = document.documentElement.clientWidth;
  const name = (element) => element.tagName.toLowerCase() + (element.id ? '#' + element.id : '')
    + (typeof element.className === 'string' && element.className.trim()
       ? '.' + element.className.trim().split(/\s+/).join('.') : '')
    + ' "' + (element.innerText || element.placeholder || '').trim().replace(/\s+/g, ' ').slice(0, 40) + '"';
  const scrolled = (element) => {
    for (let node = element.parentElement; node && node !== document.body; node = node.parentElement) {
      if (getComputedStyle(node).overflowX !== 'visible') return true;
    }
    return false;
  };
  const context = document.createElement('canvas').getContext('2d');
  const textWidth = (style, text) => {
    context.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    context.letterSpacing = style.letterSpacing === 'normal' ? '0px' : style.letterSpacing;
    return context.measureText(text).width;
  };
  const room = (element, style) => element.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const problems = [];
  const sheet = document.querySelector('#sheet[open]');
  if (sheet && sheet.scrollWidth > sheet.clientWidth + 1) problems.push('the sheet scrolls sideways');
  for (const element of document.body.querySelectorAll('*')) {
    if (!element.checkVisibility() || element.closest('.visually-hidden, .skip-link')) continue;
    const box = element.getBoundingClientRect();
    if (box.width > 1 && box.right > width + 1 && !scrolled(element)) {
      problems.push('sticks out of the window: ' + name(element));
    }
    const style = getComputedStyle(element);
    if (element.matches('button, .button, .badge, .tabs a, .toggle span, .person-chip, .rail a')
        && style.overflow === 'visible'  // what clips on purpose (the agenda's short slots)
        && (element.scrollWidth > element.clientWidth + 1 || element.scrollHeight > element.clientHeight + 1)) {
      problems.push('label bigger than its box: ' + name(element));
    }
    if (element.matches('input:placeholder-shown') && style.textOverflow !== 'ellipsis'
        && textWidth(getComputedStyle(element, '::placeholder'), element.placeholder) > room(element, style) + 1) {
      problems.push('placeholder cut: ' + name(element));
    }
    if (element.matches('select') && element.selectedOptions.length
        && textWidth(style, element.selectedOptions[0].text) > room(element, style) - ARROW) {
      problems.push('choice cut: ' + name(element) + ' ' + element.selectedOptions[0].text);
    }
  }
  if (document.documentElement.scrollWidth > width) problems.push('the page scrolls sideways');
  return [...new Set(problems)].slice(0, 8);
}
